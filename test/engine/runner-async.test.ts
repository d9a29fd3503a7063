import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { projectPerTest } from './harness';

const project = projectPerTest();
afterEach(killLeftoverJobs);

const { playbook } = project;
// jobs live under the test's own directory, never in the real ~/.ansible_async
const hosts = () => ({ h1: { ansible_async_dir: project.path('async') } });
const jobs = () => (existsSync(project.path('async')) ? readdirSync(project.path('async')) : []);

/** A failed test may leave a job running: kill its process group. */
function killLeftoverJobs(): void {
  for (const jid of jobs()) {
    const pidFile = project.path(`async/${jid}/pid`);
    if (!existsSync(pidFile)) continue;
    try {
      process.kill(-Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Gone, or a zombie only its (orphan-reaping) parent has yet to collect: it runs no more. */
function processGone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return true;
  }
}

/** A killed process takes a moment to exit: wait for it, generously. */
async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && !processGone(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return processGone(pid);
}

describe('async and poll', () => {
  test('polled: the job runs in the background and its result is the command result; the job directory is removed', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: job
      shell: sleep 1; echo done; echo oops >&2; exit 3
      async: 30
      poll: 1
      register: job
      failed_when: job.rc != 3
    - shell: echo "{{ job.stdout }} {{ job.stderr }} {{ job.rc }} {{ job.finished }} {{ job.ansible_job_id is defined }}" > {{ dir }}/out.log
`);
    const run = await project.run(hosts());
    expect(run.exitCode).toBe(0);
    expect(run.results('job')).toEqual({ h1: 'changed' });
    expect(readFileSync(project.path('out.log'), 'utf8').trim()).toBe('done oops 3 1 true');
    expect(jobs()).toEqual([]);
  }, 30000);

  test('stdin reaches the job, and the environment is the task\'s', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - shell: cat; echo "$GREETING"
      args: { stdin: from-stdin }
      environment: { GREETING: hello }
      async: 30
      poll: 1
      register: job
    - shell: echo "{{ job.stdout_lines | join(' ') }}" > {{ dir }}/out.log
`);
    const run = await project.run(hosts());
    expect(run.exitCode).toBe(0);
    expect(readFileSync(project.path('out.log'), 'utf8').trim()).toBe('from-stdin hello');
  }, 30000);

  test('poll: 0 returns ansible_job_id at once; async_status with until waits for the job to finish', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: start
      command: sh -c 'sleep 1; echo finished-job'
      async: 60
      poll: 0
      register: started
    - shell: echo "{{ started.finished }} {{ started.started }}" > {{ dir }}/started.log
    - name: wait
      async_status: { jid: "{{ started.ansible_job_id }}" }
      register: job
      until: job.finished == 1
      retries: 30
      delay: 1
    - shell: echo "{{ job.stdout }} {{ job.rc }}" > {{ dir }}/out.log
    - async_status: { jid: "{{ started.ansible_job_id }}", mode: cleanup }
`);
    const run = await project.run(hosts());
    expect(run.exitCode).toBe(0);
    expect(run.results('start')).toEqual({ h1: 'changed' });
    expect(readFileSync(project.path('started.log'), 'utf8').trim()).toBe('0 1');
    expect(readFileSync(project.path('out.log'), 'utf8').trim()).toBe('finished-job 0');
    expect(jobs()).toEqual([]);
  }, 60000);

  test('a job that outlives async is killed (its processes are gone) and the task fails with a timeout', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: slow
      shell: echo $$ > {{ dir }}/job.pid; sleep 60
      async: 2
      poll: 1
`);
    const run = await project.run(hosts());
    expect(run.exitCode).toBe(2);
    expect(run.hostResults('slow')[0].failure?.msg).toBe('async task did not complete within the requested time - 2s');
    const pid = Number(readFileSync(project.path('job.pid'), 'utf8').trim());
    expect(pid).toBeGreaterThan(1);
    expect(await waitGone(pid)).toBe(true);
    expect(jobs()).toEqual([]);
  }, 30000);

  test('async_status of an unknown job fails naming it', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  tasks:
    - name: status
      async_status: { jid: j.nosuchjob }
`);
    const run = await project.run(hosts());
    expect(run.exitCode).toBe(2);
    expect(run.hostResults('status')[0].failure?.msg).toContain('could not find job j.nosuchjob');
  });

  test('async on another module is a load-time error at its line', () => {
    playbook(`
- hosts: all
  tasks:
    - copy: { content: x, dest: /tmp/x }
      async: 10
`);
    expect(() => project.load()).toThrow(`${project.path('playbooks/test.yml')}:5: async: async is supported for command and shell only`);
  });
});
