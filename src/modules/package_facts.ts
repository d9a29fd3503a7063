import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { DPKG_PACKAGES_COMMAND, parseDpkgPackages } from './commands/packages';
import { runOk } from './support/host';

const args = z
  .object({
    /** Ansible takes a list of managers (`auto` picks the host's); play knows apt only. */
    manager: z
      .union([z.string(), z.array(z.string())])
      .transform((m) => (Array.isArray(m) ? m : m.split(',').map((s) => s.trim())))
      .default(['auto']),
    /** Of several managers, the first that works or all of them: one manager here, so the same. */
    strategy: z.enum(['first', 'all']).default('first'),
  })
  .strict();

/**
 * ansible.builtin.package_facts with the apt manager: `ansible_facts.packages`, every installed
 * package by name, from one dpkg-query. It only reads, so check mode runs it as usual.
 */
export const package_facts: ModuleDefinition<z.infer<typeof args>> = {
  name: 'package_facts',
  args,
  async run(a, ctx) {
    const others = a.manager.filter((m) => m !== 'auto' && m !== 'apt');
    if (others.length > 0) throw new ModuleFailure(`package_facts: manager ${others.join(', ')} is not supported by play (auto or apt)`);
    const packages = parseDpkgPackages((await runOk(ctx, DPKG_PACKAGES_COMMAND, 'listing packages')).stdout);
    return { changed: false, ansible_facts: { packages } };
  },
};
