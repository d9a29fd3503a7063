import type { ModuleTask, Play } from '../playbook/types';
import { runTask } from './linear-strategy';
import type { RunState } from './run-state';

/**
 * gather_facts: the `setup` module as an implicit first task of each batch, for the hosts that
 * have no facts yet (facts are cached for the run, so a later play does not gather again).
 * Where the result goes is host-results.ts's job, as for a `setup:` task.
 */
export async function gatherFacts(run: RunState, play: Play, batch: string[]): Promise<void> {
  const needed = batch.filter((host) => run.states.get(host).facts === undefined);
  if (needed.length === 0 || !run.options.module('setup')) return;
  // The play's tasks are what comes after the gathering: its batch looks ahead into them.
  const cursor = { nodes: play.sections.flat(), index: -1 };
  run.probes.cursors.push(cursor);
  try {
    await runTask(run, setupTask(play), needed, false);
  } finally {
    run.probes.cursors.pop();
  }
}

/** As in Ansible, the gathering runs with the play's keywords: under its become, facts are root's (ansible_user_id, ansible_env). */
function setupTask(play: Play): ModuleTask {
  const { become, becomeUser, remoteUser, environment, ignoreErrors, noLog } = play.keywords;
  return {
    become,
    becomeUser,
    remoteUser,
    environment,
    ignoreErrors,
    noLog,
    kind: 'module',
    name: 'Gathering Facts',
    origin: play.origin,
    module: 'setup',
    args: {},
    loopVar: 'item',
    notify: [],
    retries: 0,
    delaySeconds: 0,
    when: [],
    tags: ['always'],
    vars: {},
    checkMode: false,
  };
}
