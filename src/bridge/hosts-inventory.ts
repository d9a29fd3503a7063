import type { AppInstanceOutput, StackOutputs } from '../contract/stack-outputs';

/** File names inside an inventory directory, relative to it (as the inventory's vars name them). */
export const INVENTORY_FILES = { hosts: 'hosts.yml', sshConfig: 'ssh.config', knownHosts: 'known_hosts' } as const;

type HostVars = Record<string, string>;

function privateHostVars(host: AppInstanceOutput): HostVars {
  return {
    ansible_host: host.private_ip,
    availability_zone: host.availability_zone,
    ...(host.instance_id === undefined ? {} : { instance_id: host.instance_id }),
  };
}

function hostsByName(hosts: AppInstanceOutput[]): Record<string, HostVars> {
  return Object.fromEntries(hosts.map((host) => [host.name, privateHostVars(host)]));
}

/**
 * The inventory in Ansible's YAML shape, so the same file drives play and ansible-playbook.
 * Groups: `bastion`; `app` (the instances behind the load balancer); `logs` (log collectors);
 * `web` (every host the web tier's plays configure: app + logs, reached through the bastion).
 * The database, when the stack has one, is `database` in the vars of `all`; when play configures it
 * (the lab's, which names its host), that host is the group `database`, reached through the bastion.
 * The group is always declared (empty for RDS, which nobody configures), so the site's database
 * play matches no host without a warning.
 */
export function buildHostsInventory(outputs: StackOutputs): Record<string, unknown> {
  return {
    all: {
      vars: {
        ansible_user: outputs.ssh_user,
        stack_environment: outputs.environment,
        play_ssh_config: INVENTORY_FILES.sshConfig,
        play_known_hosts: INVENTORY_FILES.knownHosts,
        lb: outputs.load_balancer,
        lb_dns: outputs.load_balancer_dns,
        // The credential's location, never the credential: the site reads it on the app hosts.
        ...(outputs.database === undefined ? {} : { database: outputs.database }),
      },
      children: {
        bastion: { hosts: { bastion: { ansible_host: outputs.bastion_public_ip } } },
        app: { hosts: hostsByName(outputs.app_instances) },
        logs: { hosts: hostsByName(outputs.log_collectors) },
        database: outputs.database?.host === undefined ? {} : { hosts: { [outputs.database.host]: { ansible_host: outputs.database.endpoint } } },
        web: { children: { app: {}, logs: {} } },
      },
    },
  };
}
