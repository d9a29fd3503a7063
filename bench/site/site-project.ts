import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PLAY_CLI, REPO, type Tool } from '../lib/tools';

/**
 * Working copies of the site for the bench, one per tool, in a scratch directory: the template
 * change scenario edits a template there, never in the repository. The Ansible copy resolves the
 * mirror's symlinks (bench/ansible shares defaults, handlers, files, vars and the playbook itself
 * with the real site), except the ones inside the mirror: Ansible finds roles beside the playbook
 * (`playbooks/roles -> ../roles`), and a resolved copy of that link would leave the template the
 * bench edits unused by Ansible.
 * The lab's database password is made per bench run and vaulted inline (`!vault |`) into both
 * copies' lab group_vars: both tools decrypt it with the same password file, as an operator's would.
 */
export interface SiteProject {
  tool: Tool;
  dir: string;
  playbook: string;
  /** The lab inventory's group_vars (the same for both tools). */
  labGroupVars: string;
  /** Both tools' `--vault-password-file`. */
  vaultPasswordFile: string;
  /** Appends a comment to the journald drop-in template: one changed task per host, plus its handler. */
  changeTemplate(mark: string): void;
}

export interface SiteProjects {
  forTool(tool: Tool): SiteProject;
  /** The same template change in every tool's copy. */
  changeTemplate(mark: string): void;
  cleanup(): void;
}

export function createSiteProjects(): SiteProjects {
  const root = mkdtempSync(path.join(tmpdir(), 'pb-site-'));
  const playDir = path.join(root, 'play');
  for (const part of ['playbooks', 'roles', 'app', 'inventory/lab']) cpSync(path.join(REPO, part), path.join(playDir, part), { recursive: true });
  const ansibleDir = path.join(root, 'ansible');
  cpSync(path.join(REPO, 'bench', 'ansible'), ansibleDir, { recursive: true, dereference: true });
  for (const link of ['roles', 'library']) {
    rmSync(path.join(ansibleDir, 'playbooks', link), { recursive: true });
    symlinkSync(path.join('..', link), path.join(ansibleDir, 'playbooks', link));
  }
  cpSync(path.join(REPO, 'inventory', 'lab'), path.join(ansibleDir, 'inventory', 'lab'), { recursive: true });

  const vaultPasswordFile = path.join(root, 'vault-password');
  writeFileSync(vaultPasswordFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  // Password and value through the environment and stdin, never on a command line.
  const vaulted = execFileSync(process.execPath, [PLAY_CLI, 'vault', 'encrypt_string', '--stdin-name', 'database_password'], {
    encoding: 'utf8',
    input: randomBytes(18).toString('base64url'),
    env: { ...process.env, PLAY_VAULT_PASSWORD: readFileSync(vaultPasswordFile, 'utf8').trim() },
  });
  for (const dir of [playDir, ansibleDir]) appendFileSync(path.join(dir, 'inventory', 'lab', 'group_vars', 'all.yml'), `\n${vaulted}`);

  const project = (tool: Tool, dir: string, playbook: string, template: string): SiteProject => ({
    tool,
    dir,
    playbook,
    labGroupVars: path.join(dir, 'inventory', 'lab'),
    vaultPasswordFile,
    changeTemplate: (mark) => appendFileSync(path.join(dir, template), `# bench: ${mark}\n`),
  });
  const play = project('play', playDir, path.join(playDir, 'playbooks', 'site.yml'), 'roles/common/templates/journald.conf.hbs');
  const ansible = (tool: Tool) => project(tool, ansibleDir, path.join(ansibleDir, 'playbooks', 'site.yml'), 'roles/common/templates/journald.conf.j2');
  return {
    forTool: (tool) => (tool === 'play' ? play : ansible(tool)),
    changeTemplate: (mark) => [play, ansible('ansible-best')].forEach((p) => p.changeTemplate(mark)),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
