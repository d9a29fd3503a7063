import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSiteProjects } from '../../bench/site/site-project';

/**
 * The template-change scenario must change the template each tool really renders: for Ansible the
 * one it finds beside the playbook (playbooks/roles), not only a copy of it.
 */
test('a template change reaches the template both tools render', () => {
  const projects = createSiteProjects();
  try {
    projects.changeTemplate('round 1');
    const rendered = {
      play: path.join(projects.forTool('play').dir, 'roles/common/templates/journald.conf.hbs'),
      ansible: path.join(projects.forTool('ansible-best').dir, 'playbooks/roles/common/templates/journald.conf.j2'),
    };
    for (const [tool, file] of Object.entries(rendered)) expect({ tool, tail: readFileSync(file, 'utf8').split('\n').slice(-2) }).toEqual({ tool, tail: ['# bench: round 1', ''] });
  } finally {
    projects.cleanup();
  }
});
