import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { timedRun, type TimedRun } from '../../bench/lib/timed-run';
import { closeControlMasters, toolCommand } from '../../bench/lib/tools';
import { labDown, labUp, type LabInfo } from '../../src/lab';
import { forEachLimited } from '../../src/lab/exec';
import { changedKeys, parseSnapshot, snapshotCommand, twinDifferences, type TwinSnapshots } from '../compat/support/twins';
import { sshOk } from '../support/lab-ssh';
import { synthStackFile, type StackFile } from '../support/stack-file';
import { labLeftovers } from '../support/lab-leftovers';
import { labLayout } from '../../src/lab/layout';
import { hostResults, runPlay, type PlayRun } from './support/play-cli';

/*
 * The corpus of real Ansible roles (/work/shared/ansible-corpus), converged by ansible-core 2.14
 * on one fresh lab host and by play on its twin (same image, same stack), then compared: every
 * file, directory and link that changed on either host (content, owner, group, mode), the packages
 * installed, the units enabled and running must be the same on both. Then play again must change
 * nothing, and `play --check` on the converged host must predict no change, unless ansible-core
 * makes the very same changes again on its twin (then the table says "no, as Ansible"). Where
 * ansible-core itself fails on a lab host (`ansibleFails`), play must fail at the same task and
 * leave the host as Ansible left its twin.
 *
 * Adding a case is one line in CASES. A case with `pending` is not run by default (the module or
 * feature it names is still missing); CORPUS_CASES=all (or a comma list) runs those too, to see
 * how far they get. Figures are printed at the end, one row per case.
 */

const CORPUS = '/work/shared/ansible-corpus';
const NAME = 'twins';
/** Cases converge side by side; each runs two tools at once, and the machine is shared. */
const PARALLEL_CASES = 4;

interface CorpusCase {
  name: string;
  /** Why the case does not converge under play yet (what its first blocker is). */
  pending?: string;
  /**
   * Why ansible-core itself cannot converge this role on a lab host. play must then fail at the
   * same task, leaving the host as Ansible left its twin; idempotence and check mode are moot.
   */
  ansibleFails?: string;
}

const CASES: CorpusCase[] = [
  { name: 'firewall', ansibleFails: 'iptables: the lab\'s nspawn hosts have no CAP_NET_ADMIN ("Could not fetch rule set generation id: Permission denied")' },
  { name: 'security' },
  { name: 'unattended_upgrades' },
  { name: 'nginx' },
  { name: 'ntp' },
  { name: 'rsyslog' },
  { name: 'ssh_hardening' },
  { name: 'swap', ansibleFails: 'swapon: a container may not enable swap' },
];

function selectedCases(): CorpusCase[] {
  const wanted = process.env.CORPUS_CASES;
  if (wanted === undefined || wanted === '') return CASES.filter((c) => c.pending === undefined);
  if (wanted === 'all') return CASES;
  const names = wanted.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !CASES.some((c) => c.name === n));
  if (unknown.length > 0) throw new Error(`CORPUS_CASES names no case ${unknown.join(', ')}; cases: ${CASES.map((c) => c.name).join(', ')}`);
  return CASES.filter((c) => names.includes(c.name));
}

interface ToolRun {
  code: number;
  seconds: number;
  /** `task name: message` of each failure that was not ignored. */
  failures: string[];
  /** The names of the tasks that reported a change. */
  changed: string[];
  /** The end of the output of a run that failed, for the assertion message. */
  tail: string;
}

interface Rerun {
  play: string[];
  ansible?: string[];
}

interface Outcome {
  loads: boolean;
  loadError: string;
  ansible?: ToolRun;
  play?: ToolRun;
  differences: string[];
  /** How many paths/packages/units changed on each host (what the role manages). */
  managed: { ansible: number; play: number };
  /**
   * What a second run, and a --check run, on the converged host changed: play's; and Ansible's on
   * its twin, run only when play's is not empty, to tell a role that never settles on a lab host
   * (a service whose unit a condition skips is "started" on every run, by both tools) from play.
   */
  again?: Rerun;
  check?: Rerun;
  /** A step that threw (ssh, snapshot...), not a tool's own failure. */
  error?: string;
}

const exec = promisify(execFile);
const PLAY_CLI = path.resolve(__dirname, '../../bin/play.js');
const cases = selectedCases();
const outcomes = new Map<string, Promise<Outcome>>();
let lab: LabInfo;
let stack: StackFile;
let scratch: string;

type Tool = 'ansible' | 'play';

/**
 * The case's files copied (the corpus is read-only), and per twin an inventory with `web1` as
 * published, at that twin's address, and an ssh config that reaches it through the bastion. The
 * config names `web1` as well as the address because play matches Host patterns against the
 * inventory name, where Ansible's ssh matches them against ansible_host.
 */
function prepareCase(name: string, twins: Record<Tool, string>): { dir: string; inventory: (tool: Tool) => string; sshConfig: (tool: Tool) => string } {
  const dir = path.join(scratch, name);
  cpSync(path.join(CORPUS, name), dir, { recursive: true });
  const address = (tool: Tool) => lab.hosts.find((h) => h.name === twins[tool])!.privateAddress;
  const sshConfig = (tool: Tool) => path.join(dir, `ssh-${tool}.config`);
  for (const tool of ['ansible', 'play'] as const) {
    const labConfig = readFileSync(lab.sshConfigFile, 'utf8');
    writeFileSync(sshConfig(tool), `Host web1\n  HostName ${address(tool)}\n  ProxyJump bastion\n\n${labConfig}`);
    writeFileSync(
      path.join(dir, `inv-${tool}.yml`),
      stringify({
        all: {
          vars: { ansible_user: lab.sshUser, play_ssh_config: sshConfig(tool), play_known_hosts: lab.knownHostsFile },
          children: { web: { hosts: { web1: { ansible_host: address(tool) } } } },
        },
      }),
    );
  }
  return { dir, inventory: (tool) => path.join(dir, `inv-${tool}.yml`), sshConfig };
}

const snapshot = async (host: string, extraPaths: string[] = []) => parseSnapshot(await sshOk(lab.sshConfigFile, host, snapshotCommand(extraPaths), 120_000));

/** The absolute paths play's results name (`path`, `dest`): files a role manages anywhere on the host, not only under the snapshot's roots. */
function resultPaths(run: PlayRun | undefined): string[] {
  if (!run) return [];
  const named = hostResults(run).flatMap((r) => [r.result?.path, r.result?.dest]);
  return [...new Set(named.filter((p): p is string => typeof p === 'string' && p.startsWith('/')))].sort();
}

const sameChanges = (rerun: Rerun) => JSON.stringify(rerun.play) === JSON.stringify(rerun.ansible);

const tail = (code: number, output: string) => (code === 0 ? '' : output.slice(-2000));

/**
 * The failures in Ansible's ordinary output: a `fatal:`/`failed:` line under its `TASK [...]`
 * header, unless the next line says `...ignoring`.
 */
function ansibleSummary(run: TimedRun): ToolRun {
  const lines = run.output.split('\n');
  let task = '';
  const failed: string[] = [];
  const changed = new Set<string>();
  lines.forEach((line, i) => {
    // `role : name` in Ansible's header; play's events name the task alone.
    task = /^(?:TASK|RUNNING HANDLER) \[(?:\S+ : )?(.*)\] \**$/.exec(line)?.[1] ?? task;
    if (/^changed: \[web1\]/.test(line)) changed.add(task);
    const result = /^(?:fatal|failed): \[web1\].*?=> (\{.*\})$/.exec(line);
    if (!result || lines[i + 1]?.startsWith('...ignoring')) return;
    const msg = (() => {
      try {
        return String((JSON.parse(result[1]) as { msg?: unknown }).msg ?? '');
      } catch {
        return result[1].slice(0, 300);
      }
    })();
    failed.push(`${task}: ${msg}`);
  });
  return { code: run.code, seconds: run.seconds, failures: failed, changed: [...changed].sort(), tail: tail(run.code, run.output) };
}

function playSummary(run: PlayRun): ToolRun {
  const failed = hostResults(run).filter((r) => (r.status === 'failed' && !r.ignored) || r.status === 'unreachable');
  const changed = [...new Set(hostResults(run).filter((r) => r.status === 'changed').map((r) => r.task))].sort();
  return { code: run.code, seconds: run.seconds, failures: failed.map((r) => `${r.task}: ${r.failure?.msg ?? ''}`), changed, tail: tail(run.code, run.output) };
}

/** The task names of failures, which the two tools must share (their messages may differ). */
const failedTasks = (run: ToolRun | undefined) => run?.failures.map((f) => f.slice(0, f.indexOf(': '))) ?? [];

async function converge(corpusCase: CorpusCase, index: number): Promise<Outcome> {
  const twins = { ansible: `app-${2 * index + 1}`, play: `app-${2 * index + 2}` };
  const outcome: Outcome = { loads: false, loadError: '', differences: [], managed: { ansible: 0, play: 0 } };
  try {
    const { dir, inventory, sshConfig } = prepareCase(corpusCase.name, twins);
    const load = await exec(process.execPath, [PLAY_CLI, 'site.yml', '-i', inventory('play'), '--syntax-check'], { cwd: dir }).then(
      () => '',
      (err: { stderr?: string; message: string }) => (err.stderr ?? err.message).split('\n').find((l) => l.startsWith('ERROR! ')) ?? err.message,
    );
    outcome.loads = load === '';
    outcome.loadError = load;

    const ansible = async (args: string[] = []) => {
      const controlDir = mkdtempSync(path.join(scratch, `cp-${corpusCase.name}-`));
      const command = toolCommand({ tool: 'ansible-best', playbook: 'site.yml', inventories: [inventory('ansible')], sshConfigFile: sshConfig('ansible'), controlDir, cwd: dir, args });
      return ansibleSummary(await timedRun({ ...command, timeoutMs: 600_000 }).finally(() => closeControlMasters(controlDir)));
    };
    const play = (args: string[] = []) => runPlay(['site.yml', '-i', inventory('play'), ...args], { cwd: dir, timeoutMs: 600_000 });

    const before = await Promise.all([snapshot(twins.ansible), snapshot(twins.play)]);
    const [ansibleRun, playRun] = await Promise.all([ansible(), outcome.loads ? play() : undefined]);
    outcome.ansible = ansibleRun;
    if (playRun) outcome.play = playSummary(playRun);

    const extra = resultPaths(playRun);
    const after = await Promise.all([snapshot(twins.ansible, extra), snapshot(twins.play, extra)]);
    const ansibleHost: TwinSnapshots = { before: before[0], after: after[0] };
    const playHost: TwinSnapshots = { before: before[1], after: after[1] };
    outcome.differences = twinDifferences(ansibleHost, playHost);
    outcome.managed = { ansible: changedKeys(ansibleHost.before, ansibleHost.after).size, play: changedKeys(playHost.before, playHost.after).size };

    if (playRun?.code === 0) {
      for (const [key, args] of [['again', []], ['check', ['--check']]] as const) {
        const changed = playSummary(await play([...args])).changed;
        outcome[key] = { play: changed, ansible: changed.length === 0 ? undefined : (await ansible([...args])).changed };
      }
    }
  } catch (err) {
    outcome.error = (err as Error).message;
  }
  return outcome;
}

/** Ansible's own prerequisite for its apt module, on every twin alike (Ansible would install it on its host only). */
async function prepareHosts(hosts: string[]): Promise<void> {
  const apt = 'sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120';
  await forEachLimited(hosts, 4, async (host) => {
    await sshOk(lab.sshConfigFile, host, `${apt} -qq update && ${apt} -y -qq install python3-apt >/dev/null`, 300_000);
  });
}

beforeAll(async () => {
  await labDown({ name: NAME }); // a lab left by an aborted earlier run
  scratch = mkdtempSync(path.join(tmpdir(), 'corpus-converge-'));
  stack = synthStackFile('staging', { app: { count: 2 * cases.length, instanceType: 't3.small' } });
  lab = await labUp({ name: NAME, stack: stack.file });
  await prepareHosts(cases.flatMap((_, i) => [`app-${2 * i + 1}`, `app-${2 * i + 2}`]));
  const queue = cases.map((c, i) => ({ c, i, done: deferred<Outcome>() }));
  for (const { c, done } of queue) outcomes.set(c.name, done.promise);
  void forEachLimited(queue, PARALLEL_CASES, async ({ c, i, done }) => done.resolve(await converge(c, i)));
}, 900_000);

afterAll(async () => {
  const rows = await Promise.all(cases.map(async (c) => [c.name, await outcomes.get(c.name)] as const));
  await labDown({ name: NAME });
  stack?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(`\ncorpus converge (ansible-core on one twin, play on the other):\n${table(rows)}\n`);
  expect(labLeftovers(labLayout(NAME))).toEqual([]);
}, 300_000);

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function table(rows: (readonly [string, Outcome | undefined])[]): string {
  const yes = (ok: boolean | undefined) => (ok === undefined ? '-' : ok ? 'yes' : 'NO');
  const settled = (rerun: Rerun | undefined) => (rerun === undefined ? '-' : rerun.play.length === 0 ? 'yes' : sameChanges(rerun) ? 'no, as Ansible' : 'NO');
  const lines = [['case', 'loads', 'ansible converges', 'play converges', 'identical', 'idempotent', 'check changed=0', 'ansible s', 'play s', 'changed things (a/p)']];
  for (const [name, o] of rows) {
    if (!o) continue;
    lines.push([
      name,
      yes(o.loads),
      o.ansible ? yes(o.ansible.code === 0) : '-',
      o.play ? yes(o.play.code === 0) : '-',
      o.play ? yes(o.differences.length === 0) : '-',
      settled(o.again),
      settled(o.check),
      o.ansible ? o.ansible.seconds.toFixed(1) : '-',
      o.play ? o.play.seconds.toFixed(1) : '-',
      `${o.managed.ansible}/${o.managed.play}`,
    ]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const notes = rows.flatMap(([name, o]) =>
    !o
      ? []
      : [
          ...(o.error ? [`${name}: ${o.error}`] : []),
          ...(o.loads ? [] : [`${name}: does not load: ${o.loadError}`]),
          ...(o.ansible?.failures ?? []).map((f) => `${name}: ansible ${f}`),
          ...(o.play?.failures ?? []).map((f) => `${name}: play ${f}`),
          ...o.differences.slice(0, 20).map((d) => `${name}: differs: ${d}`),
          ...(['again', 'check'] as const).flatMap((key) => (o[key]?.play.length ? [`${name}: ${key === 'again' ? 'second run' : '--check'} changed: play ${JSON.stringify(o[key]!.play)}, ansible ${JSON.stringify(o[key]!.ansible)}`] : [])),
        ],
  );
  return [...lines.map((l) => l.map((cell, i) => cell.padEnd(widths[i])).join('  ')), ...notes].join('\n');
}

describe('real Ansible roles: play and ansible-core converge twin hosts alike', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const o = (await outcomes.get(name))!;
    expect({ error: o.error, loadError: o.loadError }).toEqual({ error: undefined, loadError: '' });
    if (c.ansibleFails === undefined) {
      expect({ ansible: o.ansible?.code, failures: o.ansible?.failures, tail: o.ansible?.tail }).toEqual({ ansible: 0, failures: [], tail: '' });
      expect({ play: o.play?.code, failures: o.play?.failures, tail: o.play?.tail }).toEqual({ play: 0, failures: [], tail: '' });
    } else {
      // Known: Ansible fails here too. play must stop where it does, and as it does.
      expect(failedTasks(o.ansible)).not.toEqual([]);
      expect({ play: failedTasks(o.play), tail: o.play?.tail }).toEqual({ play: failedTasks(o.ansible), tail: expect.any(String) });
    }
    // Something was converged at all (a snapshot that sees nothing would make any two hosts "identical").
    expect(o.managed.ansible).toBeGreaterThan(0);
    expect(o.differences).toEqual([]);
    if (c.ansibleFails === undefined) {
      // No change, or exactly the changes ansible-core itself makes again on its twin.
      expect({ again: o.again?.play, check: o.check?.play }).toEqual({ again: o.again?.ansible ?? [], check: o.check?.ansible ?? [] });
    }
  });

  for (const c of CASES.filter((c) => !cases.includes(c))) test.skip(`${c.name} (pending: ${c.pending})`, () => undefined);
});
