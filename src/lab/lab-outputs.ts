import path from 'node:path';
import { writeFileAtomic } from '../base/atomic-write';
import { renderInventoryFromOutputs } from '../bridge/bridge';
import type { StackOutputs } from '../contract/stack-outputs';
import { ADMIN_USER } from './base-rootfs';
import { LabError } from './exec';
import { LB_ADMIN_PORT, LB_BACKEND } from './load-balancer';
import type { HostRecord } from './state';

export interface LabOutputFiles {
  outputsFile: string;
  inventoryDir: string;
  privateKey: string;
}

/** Two pretend availability zones, so AZ-aware plays see a spread like the real stack's. */
const ZONES = ['lab-a', 'lab-b'];

/** The lab's outputs in exactly the stack's shape: the rest of the tool chain cannot tell them apart. */
export function labStackOutputs(labName: string, hosts: HostRecord[]): StackOutputs {
  const byRole = (role: HostRecord['role']): HostRecord[] => hosts.filter((h) => h.role === role);
  const [bastion] = byRole('bastion');
  const [lb] = byRole('lb');
  if (!bastion?.publicAddress || !lb?.publicAddress) throw new LabError(`lab ${labName}: state has no bastion or load balancer`);
  const instance = (host: HostRecord, i: number): StackOutputs['app_instances'][number] => ({
    name: host.name,
    private_ip: host.privateAddress,
    availability_zone: ZONES[i % ZONES.length],
  });
  return {
    environment: `lab-${labName}`,
    load_balancer_dns: lb.publicAddress,
    bastion_public_ip: bastion.publicAddress,
    ssh_user: ADMIN_USER,
    app_instances: byRole('app').map(instance),
    log_collectors: byRole('logs').map(instance),
    load_balancer: { driver: 'haproxy', admin_address: `${lb.publicAddress}:${LB_ADMIN_PORT}`, backend: LB_BACKEND },
  };
}

/** Writes outputs.json, then goes through the same bridge as production to hosts.yml + ssh.config. */
export async function publishOutputs(labName: string, hosts: HostRecord[], files: LabOutputFiles): Promise<void> {
  writeFileAtomic(files.outputsFile, `${JSON.stringify(labStackOutputs(labName, hosts), null, 2)}\n`);
  await renderInventoryFromOutputs({ outputsFile: files.outputsFile, inventoryDir: files.inventoryDir, identityFile: files.privateKey });
}

export function outputFiles(stateDir: string): LabOutputFiles {
  return {
    outputsFile: path.join(stateDir, 'outputs.json'),
    inventoryDir: path.join(stateDir, 'inventory'),
    privateKey: path.join(stateDir, 'id_ed25519'),
  };
}
