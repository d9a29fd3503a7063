import { argv } from '../support/shell';
import type { FileProbeOptions } from './file-probe';

/** `net.ipv4.ip_forward` → `/proc/sys/net/ipv4/ip_forward`. */
export function procPath(name: string): string {
  return `/proc/sys/${name.replace(/\./g, '/')}`;
}

/**
 * The settings file, and apart from it the live value: every setting of a loop probes the same
 * file, which a batch of probes then reads once (probe-batch.ts).
 */
export const SETTINGS_FILE_PROBE: FileProbeOptions = { follow: true, checksum: 'sha256', content: true };

export function liveValueCommand(name: string): string {
  return `printf 'live\\t'; cat -- ${argv(procPath(name))} 2>/dev/null || echo '<unknown key>'`;
}

export function parseLiveValue(stdout: string): string | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('live\t'));
  const value = line?.slice('live\t'.length);
  return value === '<unknown key>' ? undefined : value;
}

/** /proc/sys separates multiple numbers with tabs; a task writes them with spaces. */
export function sameSysctlValue(a: string, b: string): boolean {
  return a.trim().split(/\s+/).join(' ') === b.trim().split(/\s+/).join(' ');
}

export function writeLiveCommand(name: string, value: string): string {
  return `printf '%s\\n' ${argv(value)} > ${argv(procPath(name))}`;
}
