import { z } from 'zod';
import type { ModuleDefinition } from './module';
import { editLine } from './support/line-edit';
import { editRemoteText, textEditOptions, textEditProbe } from './support/text-edit';

const args = z
  .object({
    ...textEditOptions,
    line: z.string().optional(),
    regexp: z.string().optional(),
    search_string: z.string().optional(),
    firstmatch: z.boolean().default(false),
    backrefs: z.boolean().default(false),
  })
  .strict()
  .refine((a) => a.state === 'absent' || a.line !== undefined, { message: 'state: present needs line', path: ['line'] })
  .refine((a) => a.state === 'present' || a.line !== undefined || a.regexp !== undefined || a.search_string !== undefined, {
    message: 'state: absent needs one of line, regexp or search_string',
  })
  .refine((a) => !a.backrefs || a.regexp !== undefined, { message: 'backrefs needs regexp', path: ['backrefs'] })
  .refine((a) => a.regexp === undefined || a.search_string === undefined, { message: 'regexp and search_string are mutually exclusive' })
  .refine((a) => a.insertafter === undefined || a.insertbefore === undefined, { message: 'insertafter and insertbefore are mutually exclusive' });

type LineinfileArgs = z.infer<typeof args>;

export const lineinfile: ModuleDefinition<LineinfileArgs> = {
  name: 'lineinfile',
  args,
  aliases: { dest: 'path', destfile: 'path', name: 'path', regex: 'regexp' },
  probe: textEditProbe,
  run: (a, ctx) => editRemoteText(ctx, a, (text) => editLine(text, a)),
};
