import path from 'node:path';
import type { Vars } from '../../data/vars';
import { TransportError } from '../../transport/connection';
import { hostNameProblem, parsePort, userNameProblem, type SshTarget } from '../../transport/target';

/**
 * A host's connection variables, as the transport's target: Ansible's `ansible_host`,
 * `ansible_port`, `ansible_user` and `ansible_ssh_private_key_file`, and play's `play_ssh_config`
 * and `play_known_hosts`, relative to the host's `inventory_dir` (else `baseDir`). A bad value is
 * a config error of the host that names the variable to fix.
 */
export function sshTargetOf(name: string, vars: Vars, baseDir: string): SshTarget {
  const fail = (variable: string, message: string): never => {
    throw new TransportError(name, 'target', 'config', `host ${name}, ${variable}: ${message}`);
  };
  const text = (variable: string, problem?: (value: string) => string | undefined): string | undefined => {
    const value = vars[variable];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value === '') return fail(variable, `must be a non-empty string, got ${JSON.stringify(value)}`);
    const reason = problem?.(value);
    return reason === undefined ? value : fail(variable, reason);
  };
  const relativeTo = typeof vars.inventory_dir === 'string' ? vars.inventory_dir : baseDir;
  const file = (variable: string): string | undefined => {
    const value = vars[variable];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') return fail(variable, `must be a path, got ${JSON.stringify(value)}`);
    return path.resolve(relativeTo, value);
  };
  const port = vars.ansible_port ?? undefined;

  return {
    name,
    hostName: text('ansible_host', hostNameProblem),
    port: port === undefined ? undefined : (parsePort(port) ?? fail('ansible_port', `not a port number: ${JSON.stringify(port)}`)),
    user: text('ansible_user', userNameProblem),
    identityFile: text('ansible_ssh_private_key_file'),
    sshConfigFile: file('play_ssh_config'),
    knownHostsFile: file('play_known_hosts'),
  };
}
