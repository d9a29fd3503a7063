/** Where an expression or template came from: a playbook/role file and the line of the task or value. */
export interface Origin {
  file: string;
  line?: number;
}

export function describeOrigin(origin: Origin | undefined): string {
  if (!origin) return '';
  return origin.line !== undefined ? `${origin.file}:${origin.line}` : origin.file;
}

/** A bad or failing expression (syntax, undefined variable, wrong type); the message says where and why. */
export class ExpressionError extends Error {
  constructor(
    readonly detail: string,
    readonly expression: string,
    readonly details: { column?: number; variable?: string; origin?: Origin } = {},
  ) {
    const where = describeOrigin(details.origin);
    const column = details.column !== undefined ? ` at column ${details.column}` : '';
    super(`${where ? `${where}: ` : ''}${detail}${column} in expression: ${expression}`);
    this.name = 'ExpressionError';
  }

  get column(): number | undefined {
    return this.details.column;
  }

  get variable(): string | undefined {
    return this.details.variable;
  }
}
