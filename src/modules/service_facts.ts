import { z } from 'zod';
import type { ModuleDefinition } from './module';
import { parseSystemdServices, SYSTEMD_SERVICES_COMMAND } from './commands/services';
import { runOk } from './support/host';

const args = z.object({}).strict();

/**
 * ansible.builtin.service_facts on a systemd host: `ansible_facts.services`, `<unit>.service` →
 * name, state, status, source. It only reads, so check mode runs it as usual. A host not booted
 * with systemd gets Ansible's answer when it finds no services: skipped, with its message.
 */
export const service_facts: ModuleDefinition<z.infer<typeof args>> = {
  name: 'service_facts',
  args,
  async run(_a, ctx) {
    const services = parseSystemdServices((await runOk(ctx, SYSTEMD_SERVICES_COMMAND, 'listing services')).stdout);
    if (services === undefined) {
      return { changed: false, skipped: true, msg: 'Failed to find any services. This can be due to privileges or some other configuration issue.' };
    }
    return { changed: false, ansible_facts: { services } };
  },
};
