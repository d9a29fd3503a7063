import { argv } from '../support/shell';

export interface WaitForArgs {
  host: string;
  port?: number;
  path?: string;
  search_regex?: string;
  state: 'started' | 'stopped' | 'present' | 'absent';
  timeout: number;
  delay: number;
  sleep: number;
  connect_timeout: number;
}

/** The condition, as a shell test that succeeds once it holds. Ports use bash's /dev/tcp (no nc on a minimal host). */
export function waitCondition(a: WaitForArgs): string {
  if (a.port !== undefined) {
    const connect = argv('timeout', String(a.connect_timeout), 'bash', '-c', `exec 3<>/dev/tcp/${a.host}/${a.port}`);
    return a.state === 'stopped' || a.state === 'absent' ? `! ${connect} 2>/dev/null` : `${connect} 2>/dev/null`;
  }
  const path = argv(a.path as string);
  if (a.state === 'absent' || a.state === 'stopped') return `[ ! -e ${path} ]`;
  return a.search_regex !== undefined ? `grep -Eq -- ${argv(a.search_regex)} ${path} 2>/dev/null` : `[ -e ${path} ]`;
}

/**
 * The whole wait runs on the host in one command (one round trip however long it takes); it prints
 * the seconds waited and exits 3 on timeout.
 */
export function waitForCommand(a: WaitForArgs): string {
  const script = [
    'start=$(date +%s)',
    `sleep ${a.delay}`,
    `deadline=$((start + ${a.delay} + ${a.timeout}))`,
    'while :; do',
    `  if ${waitCondition(a)}; then echo $(( $(date +%s) - start )); exit 0; fi`,
    '  if [ "$(date +%s)" -ge "$deadline" ]; then echo $(( $(date +%s) - start )); exit 3; fi',
    `  sleep ${a.sleep}`,
    'done',
  ].join('\n');
  return argv('bash', '-c', script);
}
