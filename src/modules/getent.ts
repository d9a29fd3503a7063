import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';
import { defaultSplit, getentCommand, parseGetent } from './commands/getent';
import { run } from './support/host';

/** A string argument Ansible's spec converts a YAML number to (`key: 1000`). */
const text = z.union([z.string(), z.number()]).transform(String);

const args = z
  .object({
    database: z.string().min(1),
    key: text.optional(),
    service: z.string().optional(),
    split: z.string().min(1).optional(),
    fail_key: z.boolean().default(true),
  })
  .strict();

/** getent's exit codes, with the messages Ansible gives them. */
const FAILURES: Record<number, string> = {
  1: 'Missing arguments, or database unknown.',
  2: 'One or more supplied key could not be found in the database.',
  3: 'Enumeration not supported on this database.',
};

/**
 * ansible.builtin.getent: one getent database (or one key of it) as the fact `getent_<database>`.
 * It only reads, so check mode runs it as usual.
 */
export const getent: ModuleDefinition<z.infer<typeof args>> = {
  name: 'getent',
  args,
  async run(a, ctx) {
    const fact = `getent_${a.database}`;
    const result = await run(ctx, getentCommand(a));
    if (result.exitCode === 0) return { changed: false, ansible_facts: { [fact]: parseGetent(result.stdout, defaultSplit(a.database, a.split)) } };
    const msg = FAILURES[result.exitCode] ?? 'Unexpected failure!';
    if (result.exitCode === 2 && !a.fail_key) return { changed: false, msg, ansible_facts: { [fact]: { [String(a.key)]: null } } };
    // getent's own codes say it all (Ansible gives only msg); anything else (no getent) needs its stderr
    throw new ModuleFailure(msg, FAILURES[result.exitCode] ? {} : { rc: result.exitCode, stderr: result.stderr });
  },
};
