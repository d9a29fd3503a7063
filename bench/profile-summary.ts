/**
 * The functions with the most self time in a V8 CPU profile, e.g. of a play run on the lab:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/play.js site -i <lab>/inventory -i inventory/lab
 *   npx tsx bench/profile-summary.ts /tmp/prof/*.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';
import { selfTimes, type CpuProfile } from './lib/cpu-profile';

const [file, top = '20'] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary.ts FILE.cpuprofile [top]');
  process.exit(2);
}
const times = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
const total = times.reduce((sum, [, ms]) => sum + ms, 0);
console.log(`${total.toFixed(0)} ms sampled`);
for (const [name, ms] of times.slice(0, Number(top))) console.log(`${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`);
