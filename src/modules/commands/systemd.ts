import { argv } from '../support/shell';

export interface UnitStatus {
  LoadState: string;
  ActiveState: string;
  UnitFileState: string;
}

export interface UnitWanted {
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
  masked?: boolean;
}

/** Everything needed to decide, in one round trip (after `daemon-reload` when asked, so new unit files count). */
export function unitProbeCommand(name: string, daemonReload: boolean): string {
  const show = jointUnitProbeCommand([name]);
  return daemonReload ? `systemctl daemon-reload && ${show}` : show;
}

export function parseUnitStatus(stdout: string): UnitStatus {
  const status: UnitStatus = { LoadState: '', ActiveState: '', UnitFileState: '' };
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    if (key === 'LoadState' || key === 'ActiveState' || key === 'UnitFileState') status[key] = line.slice(eq + 1).trim();
  }
  return status;
}

const RUNNING = new Set(['active', 'activating', 'reloading']);
const ENABLED = new Set(['enabled', 'enabled-runtime', 'alias', 'linked', 'linked-runtime']);
// Units that cannot be enabled or disabled on their own: asking for either is already satisfied.
const NOT_TOGGLEABLE = new Set(['static', 'indirect', 'generated', 'transient']);

/** The systemctl verbs, in order, that bring the unit where it is wanted; empty when it is there. */
export function planUnit(status: UnitStatus, wanted: UnitWanted): string[][] {
  const steps: string[][] = [];
  const masked = status.UnitFileState === 'masked' || status.LoadState === 'masked';
  if (wanted.masked === true && !masked) steps.push(['mask']);
  if (wanted.masked === false && masked) steps.push(['unmask']);
  const willBeMasked = wanted.masked ?? masked;

  if (wanted.enabled !== undefined && !willBeMasked && !NOT_TOGGLEABLE.has(status.UnitFileState)) {
    const enabled = ENABLED.has(status.UnitFileState);
    if (wanted.enabled !== enabled) steps.push([wanted.enabled ? 'enable' : 'disable']);
  }
  const running = RUNNING.has(status.ActiveState);
  switch (wanted.state) {
    case 'started':
      if (!running) steps.push(['start']);
      break;
    case 'stopped':
      if (running) steps.push(['stop']);
      break;
    case 'restarted':
      steps.push(['restart']);
      break;
    case 'reloaded':
      steps.push([running ? 'reload' : 'start']);
      break;
  }
  return steps;
}

export function unitCommand(name: string, steps: string[][]): string {
  return steps.map((verb) => argv('systemctl', ...verb, '--', name)).join(' && ');
}

/** Several units' unitProbeCommand (without daemon-reload) in one `systemctl show`: one block per unit, in order, a blank line between. */
export function jointUnitProbeCommand(names: readonly string[]): string {
  return argv('systemctl', 'show', '--property=LoadState,ActiveState,UnitFileState', '--', ...names);
}

/** What each unit's own probe prints, from jointUnitProbeCommand's output; undefined unless it holds exactly one block of the three properties per unit. */
export function splitJointUnitProbes(names: readonly string[], stdout: string): string[] | undefined {
  const blocks = stdout.split('\n\n');
  const whole = blocks.every((block, i) => {
    const keys = block.replace(/\n$/, '').split('\n').map((line) => line.slice(0, line.indexOf('=')));
    return keys.sort().join(',') === 'ActiveState,LoadState,UnitFileState' && block.endsWith('\n') === (i === blocks.length - 1);
  });
  return whole && blocks.length === names.length ? blocks.map((block, i) => (i === blocks.length - 1 ? block : `${block}\n`)) : undefined;
}
