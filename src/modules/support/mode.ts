import { z } from 'zod';

/**
 * File modes are octal. YAML 1.2 reads an unquoted `0644` as the decimal number 644, so a number is
 * read by its digits, as Ansible users expect; '0644', '644' and 644 all mean rw-r--r--.
 */
export const fileMode = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value, ctx) => {
    const digits = String(value).replace(/^0o/, '');
    if (!/^[0-7]{3,4}$/.test(digits)) {
      ctx.addIssue({ code: 'custom', message: `mode must be octal digits like '0644', got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return digits.padStart(4, '0');
  });

