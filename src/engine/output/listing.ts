import { shouldRun, type TagSelection } from '../playbook/tags';
import { qualifiedTaskName, type Play, type Playbook, type TaskNode } from '../playbook/types';

/**
 * --list-hosts, --list-tasks and --list-tags in Ansible's layout. Like Ansible, tasks of
 * include_tasks / include_role are not listed: they are only known when the include is reached.
 */
export type Listing = 'hosts' | 'tasks' | 'tags';

export function listPlaybook(playbook: Playbook, what: ReadonlySet<Listing>, hostsOf: (play: Play) => string[], tags: TagSelection): string {
  const lines = ['', `playbook: ${playbook.path}`];
  playbook.plays.forEach((play, i) => {
    lines.push('', `  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${play.tags.join(', ')}]`);
    if (what.has('hosts')) {
      const hosts = hostsOf(play);
      lines.push(`    pattern: ['${play.hosts}']`, `    hosts (${hosts.length}):`, ...hosts.map((h) => `      ${h}`));
    }
    const tasks = play.sections.flatMap((section) => listed(section, tags));
    if (what.has('tasks')) {
      lines.push('    tasks:', ...tasks.map((t) => `      ${t.title}\tTAGS: [${t.tags.join(', ')}]`));
    }
    if (what.has('tags')) {
      const all = [...new Set(tasks.flatMap((t) => t.tags))].sort();
      lines.push(`      TASK TAGS: [${all.join(', ')}]`);
    }
  });
  return `${lines.join('\n')}\n`;
}

function listed(nodes: readonly TaskNode[], tags: TagSelection): Array<{ title: string; tags: string[] }> {
  return nodes.flatMap((node) => {
    if (node.kind === 'block') return [...node.block, ...node.rescue, ...node.always].flatMap((n) => listed([n], tags));
    if (!shouldRun(node.tags, tags)) return [];
    return [{ title: qualifiedTaskName(node), tags: node.tags }];
  });
}
