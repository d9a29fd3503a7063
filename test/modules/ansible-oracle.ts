import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * ansible-core 2.14 (Debian's, with its collections) as the reference for a module: the given
 * tasks run in one local play on the controller (each with ignore_errors, so every task gives
 * a result), and each task's result is returned as Ansible's json callback reports it.
 */
export function ansibleResults(tasks: Array<Record<string, unknown>>, options: { check?: boolean } = {}): Array<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'play-oracle-'));
  try {
    const playbook = [{ hosts: 'all', gather_facts: false, tasks: tasks.map((task) => ({ ...task, ignore_errors: true })) }];
    writeFileSync(join(dir, 'pb.yml'), JSON.stringify(playbook));
    mkdirSync(join(dir, 'tmp'));
    const run = spawnSync('ansible-playbook', ['-i', 'localhost,', '-c', 'local', ...(options.check ? ['--check'] : []), join(dir, 'pb.yml')], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        ANSIBLE_HOME: dir,
        ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
        ANSIBLE_REMOTE_TEMP: join(dir, 'tmp'),
        ANSIBLE_STDOUT_CALLBACK: 'json',
        ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
        ANSIBLE_RETRY_FILES_ENABLED: '0',
      },
      timeout: 300_000,
    });
    let report: { plays: Array<{ tasks: Array<{ hosts: Record<string, Record<string, unknown>> }> }> };
    try {
      report = JSON.parse(run.stdout);
    } catch {
      throw new Error(`ansible-playbook gave no JSON report (exit ${run.status}): ${run.stderr}`);
    }
    const results = report.plays[0].tasks.map((task) => task.hosts.localhost);
    if (results.length !== tasks.length) throw new Error(`ansible-playbook ran ${results.length} of ${tasks.length} tasks: ${run.stderr}`);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
