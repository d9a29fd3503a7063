import path from 'node:path';
import { writeFileAtomic } from '../base/atomic-write';
import { renderInventoryFromOutputs } from '../bridge/bridge';
import { OUTPUT_IDS, stackOutputs, type StackOutputs } from '../contract/stack-outputs';
import { LabError } from './exec';
import { LB_HOST } from './layout';
import { LB_ADMIN_PORT, LB_BACKEND } from './load-balancer';
import { DATABASE_HOST } from './stack/read-stack';
import { resolveOutputs, type TerraformReference } from './stack/resolve-outputs';
import type { StackTopology } from './stack/topology';
import type { HostRecord } from './state';

export interface LabOutputFiles {
  outputsFile: string;
  inventoryDir: string;
  privateKey: string;
}

/**
 * The stack's own output definitions, evaluated against the lab: each reference to an instance,
 * an Elastic IP or the load balancer becomes the lab host's address. The one output replaced
 * whole is how play reaches the load balancer, since the lab's is HAProxy's runtime API, not
 * AWS's. Checked against the contract, so the rest of the tool chain cannot tell them apart.
 */
export function labStackOutputs(topology: StackTopology, hosts: HostRecord[]): StackOutputs {
  const byName = new Map(hosts.map((host) => [host.name, host]));
  const lb = byName.get(LB_HOST);
  if (!lb?.publicAddress) throw new LabError(`lab state has no load balancer host`);
  const outputs = {
    ...topology.outputs,
    [OUTPUT_IDS.loadBalancer]: { driver: 'haproxy', admin_address: `${lb.publicAddress}:${LB_ADMIN_PORT}`, backend: LB_BACKEND },
    ...labDatabase(topology.outputs[OUTPUT_IDS.database], byName.get(DATABASE_HOST)),
  };
  const parsed = stackOutputs.safeParse(resolveOutputs(outputs, labReference(topology, byName), topology.file));
  if (!parsed.success) throw new LabError(`${topology.file}: its outputs do not match what play reads: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The inventory variable the lab's database password is read from (vault-encrypted by whoever brings the lab up). */
export const LAB_DATABASE_PASSWORD_VARIABLE = 'database_password';

/**
 * RDS's managed credential has no lab: the stand-in host's password is an inventory variable, and
 * the output names that host so the inventory has it to configure. Name, user and port stay the stack's.
 */
function labDatabase(output: unknown, host: HostRecord | undefined): Record<string, unknown> {
  if (output === undefined) return {};
  if (host === undefined || typeof output !== 'object' || output === null) throw new LabError(`the stack outputs a database but the lab has no ${DATABASE_HOST} host for it`);
  const { name, user, port } = output as Record<string, unknown>;
  return {
    [OUTPUT_IDS.database]: { endpoint: host.privateAddress, port, name, user, host: host.name, credential: { kind: 'inventory', variable: LAB_DATABASE_PASSWORD_VARIABLE } },
  };
}

function labReference(topology: StackTopology, hosts: Map<string, HostRecord>): (ref: TerraformReference) => string | undefined {
  const instanceNames = new Map(topology.instances.map((instance) => [instance.address, instance.name]));
  const instance = (address: string): HostRecord | undefined => hosts.get(instanceNames.get(address) ?? '');
  return (ref) => {
    if (ref.type === 'aws_instance') {
      const host = instance(`aws_instance.${ref.name}`);
      if (host === undefined) return undefined;
      if (ref.attribute === 'private_ip') return host.privateAddress;
      if (ref.attribute === 'public_ip') return host.publicAddress;
      // Not an EC2 id: the lab's load balancer knows its servers by name.
      if (ref.attribute === 'id') return `lab-${host.name}`;
      return undefined;
    }
    if (ref.type === 'aws_eip' && ref.attribute === 'public_ip') return hosts.get(topology.elasticIps[ref.name] ?? '')?.publicAddress;
    const lbName = (ref.type === 'aws_lb' && ref.attribute === 'dns_name') || (ref.type === 'aws_route53_record' && ref.attribute === 'fqdn' && topology.loadBalancerAliases.includes(ref.name));
    if (lbName) return hosts.get(LB_HOST)?.publicAddress;
    return undefined;
  };
}

/** Writes outputs.json, then goes through the same bridge as production to hosts.yml + ssh.config. */
export async function publishOutputs(topology: StackTopology, hosts: HostRecord[], files: LabOutputFiles): Promise<void> {
  writeFileAtomic(files.outputsFile, `${JSON.stringify(labStackOutputs(topology, hosts), null, 2)}\n`);
  await renderInventoryFromOutputs({ outputsFile: files.outputsFile, inventoryDir: files.inventoryDir, identityFile: files.privateKey });
}

export function outputFiles(stateDir: string): LabOutputFiles {
  return {
    outputsFile: path.join(stateDir, 'outputs.json'),
    inventoryDir: path.join(stateDir, 'inventory'),
    privateKey: path.join(stateDir, 'id_ed25519'),
  };
}
