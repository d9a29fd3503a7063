import { z } from 'zod';
import type { ModuleDefinition } from './module';
import { factsCommand, parseFacts, SUBSET_FACTS, type FactSubset } from './commands/facts';
import { probeRun, runOk } from './support/host';

const OPTIONAL_SUBSETS = Object.keys(SUBSET_FACTS) as Exclude<FactSubset, 'min'>[];
/** Ansible subsets for which no facts are gathered here (accepted so playbooks written for Ansible run). */
const EMPTY_SUBSETS = ['ohai', 'facter'];
const KNOWN_SUBSETS = new Set<string>(['all', 'min', ...OPTIONAL_SUBSETS, ...EMPTY_SUBSETS]);

const args = z
  .object({
    /** A list, or a comma-separated string, as Ansible takes it: `!all`, `min`, `network`, `!hardware`... */
    gather_subset: z
      .union([z.string(), z.array(z.string())])
      .transform((subset) => (Array.isArray(subset) ? subset : subset.split(',')).map((name) => name.trim()))
      .refine((names) => names.every((name) => KNOWN_SUBSETS.has(name.replace(/^!/, ''))), {
        message: `gather_subset takes ${[...KNOWN_SUBSETS].join(', ')}, each optionally negated with !`,
      })
      .default(['all']),
  })
  .strict();

/**
 * Ansible's resolution: the subsets named, or all of them when only exclusions are given, minus
 * the excluded ones (`!all` excludes everything but min), except that a subset named explicitly
 * wins over an exclusion (`!all,network`). min is always gathered: the rest of play relies on
 * it, and it costs nothing more (the same single round trip).
 */
export function resolveSubsets(names: string[]): Set<FactSubset> {
  const added = new Set<string>();
  const explicit = new Set<string>();
  const excluded = new Set<string>();
  for (const name of names) {
    if (name === 'all') OPTIONAL_SUBSETS.forEach((subset) => added.add(subset));
    else if (name === '!all') OPTIONAL_SUBSETS.forEach((subset) => excluded.add(subset));
    else if (name.startsWith('!')) excluded.add(name.slice(1));
    else {
      added.add(name);
      explicit.add(name);
    }
  }
  const wanted = added.size > 0 ? added : new Set<string>(OPTIONAL_SUBSETS);
  return new Set<FactSubset>(['min', ...OPTIONAL_SUBSETS.filter((subset) => wanted.has(subset) && (explicit.has(subset) || !excluded.has(subset)))]);
}

/**
 * The engine's gather_facts and the `setup` task. Returns the facts both as `facts` (for the
 * engine, which stores them at facts precedence) and as `ansible_facts` (what a `register`ed setup
 * holds in Ansible). A subset adds to the facts the host already has, as Ansible's fact cache does.
 */
export const setup: ModuleDefinition<z.infer<typeof args>> = {
  name: 'setup',
  args,
  // Read-only: a play's gathering goes in one round trip with the probes of the tasks that follow.
  probe: (a, ctx) => [probeRun(ctx, factsCommand(resolveSubsets(a.gather_subset)))],
  async run(a, ctx) {
    const gathered = parseFacts((await runOk(ctx, factsCommand(resolveSubsets(a.gather_subset)), 'gathering facts')).stdout);
    const facts = { ...ctx.facts, ...gathered };
    return { changed: false, facts, ansible_facts: gathered };
  },
};
