import { z } from 'zod';
import type { Facts, ModuleContext, ModuleDefinition } from './module';
import { FACTS_COMMAND, parseFacts } from './commands/facts';
import { runOk } from './support/host';

const args = z.object({}).strict();

/** The engine's gather_facts: one round trip per host. */
export async function gatherFacts(ctx: ModuleContext): Promise<Facts> {
  return parseFacts((await runOk(ctx, FACTS_COMMAND, 'gathering facts')).stdout);
}

/**
 * Returns the facts both as `facts` (for the engine, which stores them at facts precedence) and as
 * `ansible_facts` (what a `register`ed setup holds in Ansible).
 */
export const setup: ModuleDefinition<z.infer<typeof args>> = {
  name: 'setup',
  args,
  async run(_args, ctx) {
    const facts = await gatherFacts(ctx);
    return { changed: false, facts: { ...facts }, ansible_facts: facts };
  },
};
