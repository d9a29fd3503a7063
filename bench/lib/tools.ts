import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunSpec } from './timed-run';

/**
 * How each row of the bench runs its tool. play runs as an operator runs it (the built CLI, its
 * default forks of 50). Ansible gets the same inventory file and the same ssh.config (through
 * ANSIBLE_SSH_COMMON_ARGS = -F); its settings come from bench/ansible/ansible.cfg (best) or
 * bench/ansible/defaults.cfg (its defaults).
 */
export type Tool = 'play' | 'ansible-best' | 'ansible-defaults';
export const TOOLS: Tool[] = ['play', 'ansible-best', 'ansible-defaults'];

export const REPO = path.resolve(__dirname, '../..');
export const PLAY_CLI = path.join(REPO, 'bin', 'play.js');
const ANSIBLE_CONFIGS: Record<Exclude<Tool, 'play'>, string> = {
  'ansible-best': path.join(REPO, 'bench', 'ansible', 'ansible.cfg'),
  'ansible-defaults': path.join(REPO, 'bench', 'ansible', 'defaults.cfg'),
};

export interface Invocation {
  tool: Tool;
  playbook: string;
  /** Inventory sources, in order (play takes directories, Ansible the hosts.yml file). */
  inventories: string[];
  sshConfigFile: string;
  /** Ansible's ControlPersist sockets go here, so the bench can close its masters afterwards. */
  controlDir: string;
  cwd: string;
  args?: string[];
}

export function toolCommand(run: Invocation): RunSpec {
  const inventoryArgs = run.inventories.flatMap((inventory) => ['-i', inventory]);
  if (run.tool === 'play') {
    return { command: process.execPath, args: [PLAY_CLI, run.playbook, ...inventoryArgs, ...(run.args ?? [])], cwd: run.cwd, env: { NO_COLOR: '1' } };
  }
  return {
    command: 'ansible-playbook',
    args: [run.playbook, ...inventoryArgs, ...(run.args ?? [])],
    cwd: run.cwd,
    env: {
      ANSIBLE_CONFIG: ANSIBLE_CONFIGS[run.tool],
      ANSIBLE_SSH_COMMON_ARGS: `-F ${run.sshConfigFile}`,
      ANSIBLE_SSH_CONTROL_PATH_DIR: run.controlDir,
      ANSIBLE_NOCOLOR: '1',
    },
  };
}

const execFileAsync = promisify(execFile);

/** Ends the ControlPersist masters Ansible left in `controlDir` (they would outlive the bench otherwise). */
export async function closeControlMasters(controlDir: string): Promise<void> {
  let sockets: string[];
  try {
    sockets = readdirSync(controlDir);
  } catch {
    return;
  }
  await Promise.all(sockets.map((socket) => execFileAsync('ssh', ['-S', path.join(controlDir, socket), '-O', 'exit', 'bench']).catch(() => undefined)));
}

export async function toolVersions(): Promise<Record<string, string>> {
  const first = async (command: string, args: string[]) => (await execFileAsync(command, args)).stdout.split('\n')[0].trim();
  return {
    node: process.version,
    play: `${require(path.join(REPO, 'package.json')).version} (this checkout, ${(await execFileAsync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'])).stdout.trim()})`,
    ansible: await first('ansible-playbook', ['--version']),
    python: await first('python3', ['--version']),
    // ssh -V prints on stderr.
    openssh: (await execFileAsync('ssh', ['-V'])).stderr.trim(),
  };
}
