import type { HostRole } from './layout';

export interface LabHostInfo {
  name: string;
  role: HostRole;
  /** Address on the public network (bastion and load balancer only). */
  publicAddress?: string;
  privateAddress: string;
  /** The host's own ed25519 public host key line (`ssh-ed25519 AAAA...`). */
  hostKey: string;
  /** The host's port on the private switch: `ip -n <netns> link set <link> down` cuts it off. */
  switchPort: { netns: string; link: string };
}

export interface LabInfo {
  name: string;
  stateDir: string;
  /** The synthesized stack the lab was built from. */
  stackFile: string;
  /** The lab's /16 (unreachable from the controller except the public /24). */
  range: string;
  controllerAddress: string;
  /** StackOutputs JSON, the same shape the real stack outputs. */
  outputsFile: string;
  /** hosts.yml + ssh.config + known_hosts: the inventory, as `play inventory` renders it from outputs. */
  inventoryDir: string;
  hostsFile: string;
  sshConfigFile: string;
  knownHostsFile: string;
  /** The admin user's private key (ed25519, generated per lab). */
  privateKey: string;
  /** ssh config covering every host including the load balancer (the lab's own, for lab chores). */
  labSshConfig: string;
  sshUser: string;
  loadBalancer: {
    /** http://<lb public address>/ */
    url: string;
    /** HAProxy runtime API as host:port. */
    adminAddress: string;
    backend: string;
  };
  hosts: LabHostInfo[];
}

export interface LabHostStatus {
  name: string;
  role: HostRole;
  address: string;
  /** The supervisor (restarts the host on reboot) and the systemd-nspawn process. */
  supervisorPid?: number;
  nspawnPid?: number;
  running: boolean;
}

export interface LabStatus {
  name: string;
  stateDir: string;
  exists: boolean;
  hosts: LabHostStatus[];
}
