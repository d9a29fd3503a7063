import { describeOrigin } from './expression-error';
import type { Origin } from './expression-error';

/** A template that cannot render: names the file, the line inside it (when known) and the variable. */
export class TemplateError extends Error {
  constructor(
    readonly detail: string,
    readonly origin: Origin,
    readonly variable?: string,
  ) {
    super(`${describeOrigin(origin)}: ${detail}`);
    this.name = 'TemplateError';
  }

  get file(): string {
    return this.origin.file;
  }

  get line(): number | undefined {
    return this.origin.line;
  }
}

/** The origin of line `lineInText` (1-based) of a text that starts at `origin.line` of its file. */
export function lineWithin(origin: Origin, lineInText: number | undefined): Origin {
  if (lineInText === undefined) return origin;
  return { file: origin.file, line: (origin.line ?? 1) + lineInText - 1 };
}
