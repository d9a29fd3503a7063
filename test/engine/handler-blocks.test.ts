import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { HostStats } from '../../src/engine/output/events';
import { projectPerTest, type Project } from './harness';

/**
 * A block in handlers, run by play and by ansible-core 2.14 (local connection, the same
 * playbook file): the same handlers run, with the same recap and exit code. ansible-core 2.14
 * runs only the `block:` tasks of a handler block; its rescue and always never run.
 */
const project = projectPerTest();

interface Outcome {
  tasks: string[];
  stats: Partial<HostStats>;
  exitCode: number;
}

async function byPlay(): Promise<Outcome> {
  const run = await project.run(['localhost']);
  return { tasks: run.events.flatMap((e) => (e.type === 'task_start' ? [e.name] : [])), stats: run.stats('localhost'), exitCode: run.exitCode };
}

/** ansible-playbook on the same file; its home and temporary files stay in the project. */
function ansible(p: Project): { stdout: string; stderr: string; status: number } {
  const home = p.path('.ansible');
  mkdirSync(home, { recursive: true });
  const result = spawnSync('ansible-playbook', ['-i', 'localhost,', '-c', 'local', '-e', `dir=${p.dir}`, p.path('playbooks/test.yml')], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: home,
      ANSIBLE_HOME: home,
      ANSIBLE_LOCAL_TEMP: `${home}/tmp`,
      ANSIBLE_REMOTE_TEMP: `${home}/tmp`,
      ANSIBLE_STDOUT_CALLBACK: 'json',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_RETRY_FILES_ENABLED: '0',
    },
    timeout: 120_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status ?? -1 };
}

function byAnsible(): Outcome {
  const { stdout, stderr, status } = ansible(project);
  let report: { plays: Array<{ tasks: Array<{ task: { name: string } }> }>; stats: Record<string, Record<string, number>> };
  try {
    report = JSON.parse(stdout);
  } catch {
    throw new Error(`ansible-playbook gave no JSON report (exit ${status}): ${stderr}`);
  }
  const s = report.stats.localhost;
  return {
    tasks: report.plays.flatMap((play) => play.tasks.map((t) => t.task.name)),
    stats: { ok: s.ok, changed: s.changed, failed: s.failures, skipped: s.skipped, rescued: s.rescued, ignored: s.ignored, unreachable: s.unreachable },
    exitCode: status,
  };
}

async function sameAsAnsible(yaml: string): Promise<Outcome> {
  project.playbook(yaml);
  const played = await byPlay();
  expect(played).toEqual(byAnsible());
  return played;
}

const RSYSLOG_LIKE = (restart: string) => `
- hosts: all
  gather_facts: false
  tasks:
    - name: configure
      command: /bin/true
      notify: Restart svc
    - name: after
      debug: msg=after
  handlers:
    - name: Restart svc block
      block:
        - name: Restart svc
          command: ${restart}
        - name: Second in block
          debug: msg=second
      rescue:
        - name: Get logs
          command: echo logs
          register: journal
          changed_when: false
          ignore_errors: true
        - name: Fail with logs
          fail:
            msg: "restart failed: {{ journal.stdout }}"
      always:
        - name: Always
          debug: msg=always
`;

describe('a block in handlers, as ansible-core 2.14 runs it', () => {
  test('a failing handler of the block fails the host: its rescue and always do not run', async () => {
    const outcome = await sameAsAnsible(RSYSLOG_LIKE('/bin/false'));
    expect(outcome).toEqual({
      tasks: ['configure', 'after', 'Restart svc'],
      stats: { ok: 2, changed: 1, failed: 1, skipped: 0, rescued: 0, ignored: 0, unreachable: 0 },
      exitCode: 2,
    });
  });

  test('a handler that succeeds: only the notified handler of the block runs, never rescue or always', async () => {
    const outcome = await sameAsAnsible(RSYSLOG_LIKE('/bin/true'));
    expect(outcome.tasks).toEqual(['configure', 'after', 'Restart svc']);
    expect(outcome.exitCode).toBe(0);
  });

  test("the block's keywords reach its handlers; listen and notify by a later handler of the block", async () => {
    const outcome = await sameAsAnsible(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: change, command: /bin/true, notify: [topic] }
  handlers:
    - name: the block
      vars: { word: hello }
      when: word == 'hello'
      block:
        - name: first
          debug: msg="{{ word }}"
          listen: topic
          changed_when: true
          notify: third
        - name: second
          debug: msg=never
          when: false
        - name: third
          command: echo {{ word }}
      always:
        - name: never runs
          debug: msg=x
`);
    expect(outcome.tasks).toEqual(['change', 'first', 'third']);
    expect(outcome.stats).toMatchObject({ ok: 3, changed: 3, failed: 0 });
  });

  test('rescue and always are checked as handlers at load time, and no notify reaches them', () => {
    const handlers = (rescue: string) => `
- hosts: all
  gather_facts: false
  tasks:
    - { name: change, command: /bin/true, notify: Get logs }
  handlers:
    - name: the block
      block:
        - { name: Restart svc, command: /bin/true }
      rescue:
${rescue}
`;
    project.playbook(handlers('        - { name: Get logs, command: echo logs }'));
    expect(() => project.load()).toThrow(/test\.yml:5: notify: no handler named or listening to 'Get logs' in play 'all' \(handlers: Restart svc\)/);
    const ansibleRun = ansible(project);
    expect(ansibleRun.status).not.toBe(0);
    expect(ansibleRun.stderr).toContain("The requested handler 'Get logs' was not found");

    project.playbook(handlers('        - { name: Get logs, nosuchmodule: x }'));
    expect(() => project.load()).toThrow(/test\.yml:11: unknown module 'nosuchmodule'/);
    expect(ansible(project).status).not.toBe(0);

    project.playbook(handlers('        - name: Get logs\n          command: echo\n          bogus_keyword: 1'));
    expect(() => project.load()).toThrow(/more than one module or unknown keyword: command, bogus_keyword/);
  });
});
