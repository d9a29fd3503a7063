import { qualifiedTaskName, taskName, type Playbook, type TaskNode } from '../playbook/types';

/**
 * --start-at-task: Ansible's rule. A task matches by its name or `role : name`; like Ansible, only
 * tasks known before the run can match (not those inside include_tasks / include_role files).
 */
export function startsHere(node: TaskNode, name: string): boolean {
  return node.kind !== 'block' && (taskName(node) === name || qualifiedTaskName(node) === name);
}

/** Whether the task list (through blocks) holds the task --start-at-task names. */
export function holdsStartTask(nodes: readonly TaskNode[], name: string): boolean {
  return nodes.some((node) => (node.kind === 'block' ? holdsStartTask([...node.block, ...node.rescue, ...node.always], name) : startsHere(node, name)));
}

/** Load-time check, as Ansible's "No matching task found": the name must be a task of the playbook. */
export function playbookHoldsStartTask(playbook: Playbook, name: string): boolean {
  return playbook.plays.some((play) => play.sections.some((section) => holdsStartTask(section, name)));
}
