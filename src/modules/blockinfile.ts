import { z } from 'zod';
import type { ModuleDefinition } from './module';
import { editBlock } from './support/block-edit';
import { editRemoteText, textEditOptions, textEditProbe } from './support/text-edit';

const args = z
  .object({
    ...textEditOptions,
    block: z.string().default(''),
    marker: z.string().includes('{mark}', { message: 'marker must contain {mark}' }).default('# {mark} ANSIBLE MANAGED BLOCK'),
    marker_begin: z.string().default('BEGIN'),
    marker_end: z.string().default('END'),
  })
  .strict()
  .refine((a) => a.insertafter === undefined || a.insertbefore === undefined, { message: 'insertafter and insertbefore are mutually exclusive' });

type BlockinfileArgs = z.infer<typeof args>;

export const blockinfile: ModuleDefinition<BlockinfileArgs> = {
  name: 'blockinfile',
  args,
  aliases: { dest: 'path', destfile: 'path', name: 'path' },
  probe: textEditProbe,
  run: (a, ctx) => editRemoteText(ctx, a, (text) => editBlock(text, a)),
};
