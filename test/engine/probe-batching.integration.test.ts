import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { startLightFleet, type LightFleet } from '../../bench/fleet/light-hosts';
import { comparableEvents } from '../e2e/support/event-stream';
import { runPlay, type PlayRun } from '../e2e/support/play-cli';

/**
 * Batched probing changes how many round trips a run takes, never what it reports: the fleet
 * workload (bench/fleet/fleet-play.yml) on real sshd hosts behind a bastion, first run, no-op
 * rerun, then a check with a changed template, each with batching on and off: the event streams
 * (statuses, changed, diffs, every module result with -v, recap) are identical, and the batched
 * no-op opens fewer sessions on the hosts.
 */
const HOSTS = 4;
const FLEET_DIR = path.resolve(__dirname, '../../bench/fleet');

describe('probe batching on the fleet workload', () => {
  let fleet: LightFleet | undefined;
  let inventory = '';

  beforeAll(async () => {
    fleet = await startLightFleet(HOSTS);
    inventory = path.join(fleet.dir, 'hosts.yml');
    const hosts = Object.fromEntries(fleet.hosts.map((h) => [h.name, { ansible_host: h.address }]));
    const settings = [
      { name: 'workers', value: 4 },
      { name: 'listen', value: '127.0.0.1:8080' },
    ];
    writeFileSync(inventory, stringify({ all: { vars: { ansible_user: fleet.user, play_ssh_config: fleet.sshConfigFile, fleet_settings: settings }, children: { fleet: { hosts } } } }));
  }, 120_000);
  afterAll(async () => fleet?.teardown(), 60_000);

  async function sequence(batching: boolean): Promise<{ runs: PlayRun[]; noopSessions: number }> {
    const f = fleet!;
    const root = path.join(f.home, 'batching');
    rmSync(root, { recursive: true, force: true });
    const play = (...extra: string[]) =>
      runPlay(['fleet-play.yml', '-i', inventory, '-v', '--diff', '-e', `fleet_root=${root}`, ...(batching ? [] : ['--no-probe-batching']), ...extra], { cwd: FLEET_DIR, timeoutMs: 120_000 });
    const first = await play();
    const before = f.hostSessions();
    const noop = await play();
    const noopSessions = f.hostSessions() - before;
    const changedTemplate = await play('--check', '-e', '{"fleet_settings": [{"name": "workers", "value": 8}]}');
    return { runs: [first, noop, changedTemplate], noopSessions };
  }

  it('reports exactly what one probe at a time reports, in fewer sessions', async () => {
    const off = await sequence(false);
    const on = await sequence(true);
    for (const run of [...off.runs, ...on.runs]) expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
    expect(on.runs.map(comparableEvents)).toEqual(off.runs.map(comparableEvents));
    // The check reports the template's change, so the comparison covers a diff, not only ok results.
    expect(JSON.stringify(comparableEvents(on.runs[2]))).toContain('"status":"changed"');
    // Unbatched: one session per task and host (5 tasks). Batched: directory, template and copy
    // gathered in one, then the command with the stat after it.
    expect({ off: off.noopSessions, on: on.noopSessions }).toEqual({ off: 5 * HOSTS, on: 2 * HOSTS });
  }, 300_000);

  it('probes afresh after a change or a command: a later task sees what an earlier one did; a refused become and an unreachable host are reported alike', async () => {
    const f = fleet!;
    const playbook = path.join(f.dir, 'rewrite.yml');
    // Light hosts share one filesystem: each gets a directory of its own, or which host made it first would be a race.
    const dir = `${f.home}/rewrite/{{ inventory_hostname }}`;
    const file = `${dir}/file`;
    writeFileSync(
      playbook,
      stringify([
        {
          hosts: 'fleet',
          gather_facts: false,
          tasks: [
            { name: 'before', stat: { path: file }, register: 'before' },
            { file: { path: dir, state: 'directory' } },
            { name: 'write', copy: { content: '{{ content }}', dest: file, mode: '0644' } },
            { name: 'after write', stat: { path: file }, register: 'written' },
            { name: 'narrow', file: { path: file, mode: '0600' } },
            { name: 'after narrow', stat: { path: file } },
            // the stat after a command is gathered with it (its condition not decidable before the
            // command ran): it must see what the command did
            { name: 'append by command', shell: `echo more >> ${file}`, register: 'append' },
            { name: 'after command', stat: { path: file }, register: 'appended', when: 'append.rc == 0' },
            { name: 'refused', command: 'true', become: true, become_user: 'nosuchuser', ignore_errors: true },
            { name: 'after refusal', stat: { path: file } },
            { assert: { that: ['not before.stat.exists or before.stat.mode == "0600"', 'written.stat.mode == "0644"', 'appended.stat.size == written.stat.size + 5'] } },
          ],
        },
      ]),
    );
    // a host that cannot be reached (the private network's unreachable address) is reported as such, either way
    const gone = f.hosts[0].address.replace(/\.\d+$/, '.250');
    const withGone = path.join(f.dir, 'with-gone.yml');
    writeFileSync(withGone, stringify({ fleet: { hosts: { gone: { ansible_host: gone } } } }));
    const sequence = async (batching: boolean) => {
      rmSync(path.join(f.home, 'rewrite'), { recursive: true, force: true });
      const play = (content: string) =>
        runPlay([playbook, '-i', inventory, '-i', withGone, '-v', '-e', `content=${content}`, ...(batching ? [] : ['--no-probe-batching'])], { cwd: f.dir, timeoutMs: 120_000 });
      return [await play('one'), await play('two')];
    };
    const off = await sequence(false);
    const on = await sequence(true);
    for (const run of [...off, ...on]) {
      expect({ code: run.code, gone: run.recap.gone?.unreachable, reached: f.hosts.map((h) => run.recap[h.name]?.failed) }).toEqual({ code: 4, gone: 1, reached: f.hosts.map(() => 0) });
    }
    expect(on.map(comparableEvents)).toEqual(off.map(comparableEvents));
  }, 300_000);

  it("a play's fact gathering goes in the same round trip as the probes of the tasks after it, and gives the same facts", async () => {
    const f = fleet!;
    const playbook = path.join(f.dir, 'facts.yml');
    const dir = `${f.home}/facts`;
    writeFileSync(
      playbook,
      stringify([
        {
          hosts: 'fleet',
          tasks: [
            { name: 'home', stat: { path: f.home }, register: 'home' },
            { name: 'directory', file: { path: dir, state: 'directory', mode: '0755' } },
            { name: 'facts', debug: { msg: '{{ ansible_hostname }} {{ ansible_distribution }} {{ ansible_distribution_version }} {{ ansible_user_id }} {{ ansible_processor_count }} {{ home.stat.isdir }}' } },
          ],
        },
      ]),
    );
    const play = async (batching: boolean) => {
      const before = f.hostSessions();
      const run = await runPlay([playbook, '-i', inventory, ...(batching ? [] : ['--no-probe-batching'])], { cwd: f.dir, timeoutMs: 120_000 });
      return { run, sessions: f.hostSessions() - before };
    };
    await play(false);
    const off = await play(false);
    const on = await play(true);
    for (const { run } of [off, on]) expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toEqual({ code: 0, output: '' });
    expect(comparableEvents(on.run)).toEqual(comparableEvents(off.run));
    expect(JSON.stringify(comparableEvents(on.run))).toMatch(/"msg":"\S+ Debian \d/);
    // Unbatched: the gathering, the stat and the directory's probe, one session each. Batched: one.
    expect({ off: off.sessions, on: on.sessions }).toEqual({ off: 3 * HOSTS, on: HOSTS });
  }, 300_000);
});
