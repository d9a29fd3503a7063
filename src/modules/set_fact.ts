import { z } from 'zod';
import type { ModuleDefinition } from './module';

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Any variable names (values already rendered by the engine); `cacheable` is accepted for Ansible compatibility. */
const args = z
  .record(z.string().regex(VARIABLE_NAME, 'not a valid variable name'), z.unknown())
  .refine((facts) => Object.keys(facts).some((k) => k !== 'cacheable'), { message: 'set_fact needs at least one variable' });

type SetFactArgs = z.infer<typeof args>;

export const set_fact: ModuleDefinition<SetFactArgs> = {
  name: 'set_fact',
  args,
  // Runs on the controller only: nothing on the host to gather.
  probe: () => [],
  async run(a) {
    const facts = Object.fromEntries(Object.entries(a).filter(([key]) => key !== 'cacheable'));
    return { changed: false, facts, ansible_facts: facts };
  },
};
