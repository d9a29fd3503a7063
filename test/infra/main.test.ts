import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { OUTPUT_IDS } from '../../src/contract/stack-outputs';

const repo = path.join(__dirname, '..', '..');

describe('main.ts (the cdktf app, as `cdktf synth` runs it)', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(path.join(os.tmpdir(), 'webtier-synth-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('synthesizes one stack per environments/*.yaml, each with the contract outputs', async () => {
    await promisify(execFile)(path.join(repo, 'node_modules', '.bin', 'tsx'), ['main.ts'], { cwd: repo, env: { ...process.env, CDKTF_OUTDIR: outdir } });
    const environments = readdirSync(path.join(repo, 'environments')).filter((f) => f.endsWith('.yaml')).map((f) => `webtier-${path.basename(f, '.yaml')}`);
    expect(readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(environments.sort());
    for (const stack of environments) {
      const json = JSON.parse(readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
      expect(Object.keys(json.output).sort()).toEqual(Object.values(OUTPUT_IDS).sort());
    }
  });
});
