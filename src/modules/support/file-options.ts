import { z } from 'zod';
import { fileMode } from './mode';

/** The options copy and template share (Ansible's names). */
export const fileWriteOptions = {
  dest: z.string().min(1),
  owner: z.string().optional(),
  group: z.string().optional(),
  mode: fileMode.optional(),
  backup: z.boolean().default(false),
  /** Command run on the new file before it replaces dest; `%s` is its path (e.g. `nginx -t -c %s`). */
  validate: z.string().includes('%s', { message: "validate must contain '%s' (the new file's path)" }).optional(),
  /** false: leave an existing dest alone, only create it when missing. */
  force: z.boolean().default(true),
};
