import Handlebars from 'handlebars';
import type { StackOutputs } from '../contract/stack-outputs';
import { InventoryBridgeError } from './bridge-error';

export interface SshConfigRenderInput {
  outputs: StackOutputs;
  /** The Handlebars template text and its file name (for error messages). */
  template: string;
  templateFile: string;
  /** Absolute paths: the rendered file must work from any working directory. */
  sshConfigFile: string;
  knownHostsFile: string;
  identityFile?: string;
}

/**
 * A path as one ssh_config argument. OpenSSH expands %-tokens in IdentityFile and
 * UserKnownHostsFile, so a literal % is doubled; a double quote or newline cannot be expressed
 * in its quoting at all, so such a path is refused rather than mangled.
 */
export function sshConfigPath(value: string, field: string): string {
  if (/["\n\r]/.test(value)) throw new InventoryBridgeError(`${field}: ${JSON.stringify(value)} cannot be written into ssh.config (quote or newline)`);
  return `"${value.replace(/%/g, '%%')}"`;
}

/** Renders ssh.config: the bastion direct, every private host through it. */
export function renderSshConfig(input: SshConfigRenderInput): string {
  const { outputs } = input;
  const context = {
    environment: outputs.environment,
    user: outputs.ssh_user,
    bastion: { name: 'bastion', address: outputs.bastion_public_ip },
    privateHosts: [
      ...[...outputs.app_instances, ...outputs.log_collectors].map((host) => ({ name: host.name, address: host.private_ip })),
      ...(outputs.database?.host === undefined ? [] : [{ name: outputs.database.host, address: outputs.database.endpoint }]),
    ],
    sshConfigFile: sshConfigPath(input.sshConfigFile, 'ssh.config path'),
    knownHostsFile: sshConfigPath(input.knownHostsFile, 'known_hosts path'),
    identityFile: input.identityFile === undefined ? undefined : sshConfigPath(input.identityFile, '--identity-file'),
  };
  try {
    // noEscape: this is not HTML; strict: a misspelt variable is an error, not an empty directive.
    return Handlebars.compile(input.template, { noEscape: true, strict: true })(context);
  } catch (err) {
    throw new InventoryBridgeError(`${input.templateFile}: ${(err as Error).message}`);
  }
}
