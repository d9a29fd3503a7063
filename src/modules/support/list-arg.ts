import { z } from 'zod';

/** Ansible's `type='list', elements='str'`: a list, or one string split at its commas (a number is its text). */
export const stringList = z
  .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
  .transform((value) => (Array.isArray(value) ? value.map(String) : String(value).split(',')));
