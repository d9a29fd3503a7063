import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatFieldPath } from '../contract/field-path';
import { stackOutputs, type StackOutputs } from '../contract/stack-outputs';
import { InventoryBridgeError } from './bridge-error';

/*
 * Values from the outputs file end up verbatim in ssh.config and hosts.yml, so the bridge is
 * stricter than the contract: an address or user with spaces or newlines could smuggle extra
 * ssh_config directives (e.g. a ProxyCommand) into the rendered file.
 */
const address = z.union([z.ipv4(), z.ipv6(), z.hostname()], { error: 'expected an IP address or a DNS name' });
const sshUser = z.string().regex(/^[a-z_][a-z0-9_.-]*$/i, 'expected a plain login name');
const label = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, dots, dashes or underscores');
const hostOutput = z.object({ private_ip: address, availability_zone: label });
const safeOutputs = z.object({
  environment: label,
  bastion_public_ip: address,
  ssh_user: sshUser,
  app_instances: z.array(hostOutput),
  log_collectors: z.array(hostOutput),
  // Templated into the app's configuration on the hosts, as the addresses are into ssh.config.
  database: z.object({ endpoint: address, name: label, user: sshUser, host: label.optional() }).optional(),
});

/** What `terraform output -json` wraps every output in. */
const terraformOutputWrapper = z.object({ value: z.unknown(), type: z.unknown(), sensitive: z.boolean().optional() });

type Shape = { kind: 'plain' | 'terraform'; data: Record<string, unknown> } | { kind: 'cdktf'; stack: string; data: Record<string, unknown> };

export interface ReadOutputsOptions {
  /** With a cdktf outputs file that holds several stacks, the one to use. */
  stack?: string;
}

/**
 * Reads any of the three forms the stack's outputs come in and returns them validated:
 * `cdktf deploy|output --outputs-file` (top key: the stack name), `terraform output -json`
 * (every output wrapped in {value,type,sensitive}), or the plain StackOutputs object the lab writes.
 */
export async function readStackOutputsFile(file: string, options: ReadOutputsOptions = {}): Promise<StackOutputs> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new InventoryBridgeError(`${file}: cannot read the outputs file (${err.code ?? err.message})`);
  });
  const shape = detectShape(file, parseJson(file, text), options.stack);
  const where = shape.kind === 'cdktf' ? `${file}: stack ${shape.stack}` : file;
  const unwrapped = shape.kind === 'terraform' ? unwrapTerraformOutputs(shape.data) : shape.data;
  const parsed = stackOutputs.safeParse(unwrapped);
  if (!parsed.success) throw fieldError(where, parsed.error);
  const safe = safeOutputs.safeParse(parsed.data);
  if (!safe.success) throw fieldError(where, safe.error);
  return parsed.data;
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const position = /position (\d+)/.exec((err as Error).message);
    const line = position ? `line ${text.slice(0, Number(position[1])).split('\n').length}: ` : '';
    throw new InventoryBridgeError(`${file}: ${line}not valid JSON (${(err as Error).message})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function detectShape(file: string, json: unknown, stack: string | undefined): Shape {
  if (!isRecord(json)) throw new InventoryBridgeError(`${file}: expected a JSON object of stack outputs`);
  if ('app_instances' in json) {
    return { kind: terraformOutputWrapper.safeParse(json.app_instances).success ? 'terraform' : 'plain', data: json };
  }
  const stacks = Object.keys(json).filter((key) => isRecord(json[key]));
  const chosen = stack ?? (stacks.length === 1 ? stacks[0] : undefined);
  if (chosen === undefined) {
    throw new InventoryBridgeError(
      stacks.length === 0
        ? `${file}: no stack outputs found (expected app_instances, or a cdktf outputs file keyed by stack name)`
        : `${file}: holds the outputs of several stacks (${stacks.join(', ')}); choose one with --stack`,
    );
  }
  const data = json[chosen];
  if (!isRecord(data)) throw new InventoryBridgeError(`${file}: no stack named ${chosen} (found: ${stacks.join(', ') || 'none'})`);
  return { kind: 'cdktf', stack: chosen, data };
}

function unwrapTerraformOutputs(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).map(([key, entry]) => {
      const wrapper = terraformOutputWrapper.safeParse(entry);
      return [key, wrapper.success ? wrapper.data.value : entry];
    }),
  );
}

function fieldError(where: string, error: z.ZodError): InventoryBridgeError {
  const problems = error.issues.map((issue) => `field ${formatFieldPath(issue.path) || '(top)'}: ${issue.message}`);
  return new InventoryBridgeError(`${where}: ${problems.join('; ')}`);
}
