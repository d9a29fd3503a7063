import { z } from 'zod';
import type { ModuleDefinition } from './module';
import { fileWriteOptions } from './support/file-options';
import { writeUnlessKept } from './support/write-unless-kept';
import { destinationProbe } from './support/file-content';

const args = z.object({ ...fileWriteOptions, src: z.string().min(1) }).strict();

type TemplateArgs = z.infer<typeof args>;

/** Renders a Handlebars template on the controller (strict variables), then converges it like copy. */
export const template: ModuleDefinition<TemplateArgs> = {
  name: 'template',
  args,
  async run(a, ctx) {
    const content = Buffer.from(ctx.renderTemplate(ctx.resolveLocal(a.src, 'templates')));
    return writeUnlessKept(ctx, { ...a, path: a.dest, content });
  },
  probe: (a, ctx) => [destinationProbe(ctx, a.dest)],
};
