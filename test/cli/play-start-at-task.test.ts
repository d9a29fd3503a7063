import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cliProjectPerTest, runPlay } from './cli-project';

/** `play --start-at-task` with the built CLI on the fixture project. */
const fixture = cliProjectPerTest();

const startAt = (task: string) => runPlay(fixture.dir, ['site', '--start-at-task', task, '-e', `out_dir=${fixture.out}`]);

describe('play --start-at-task', () => {
  test("a role's task by 'role : name': the tasks before it are skipped, the rest runs", () => {
    const run = startAt('greet : facts are gathered once');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readdirSync(fixture.out).sort()).toEqual(['db.txt', 'web-1.facts', 'web-2.facts']);
    expect(run.stdout).not.toContain('TASK [greet : greeting file]');
  });

  test('a task of a later play: the plays before it do nothing', () => {
    const run = startAt('db marker');
    expect(run.code).toBe(0);
    expect(readdirSync(fixture.out)).toEqual(['db.txt']);
    expect(run.stdout).not.toContain('Gathering Facts');
  });

  test('a name no task has: exit 1 and one clear error before any host is contacted', () => {
    const run = startAt('no such task');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `ERROR! --start-at-task: no task named 'no such task' in ${join(fixture.dir, 'playbooks/site.yml')} (a task's name or 'role : name'; tasks of include_tasks/include_role files cannot be started at)\n`,
    );
    expect(readdirSync(fixture.out)).toEqual([]);
  });
});
