import type { Redactor } from '../../data/redaction';
import type { Reporter, RunEvent } from './events';

/** `--json`: one event per line for machines; progress ticks are left out (they are for terminals). */
export class JsonReporter implements Reporter {
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly secrets: Pick<Redactor, 'redact' | 'redactValue'>,
  ) {}

  emit(event: RunEvent): void {
    if (event.type === 'task_progress') return;
    // strings are redacted before serialising: JSON escaping would hide a multi-line secret from redact()
    const redacted = this.secrets.redactValue({ ...event, time: new Date().toISOString() });
    this.out.write(`${this.secrets.redact(JSON.stringify(redacted))}\n`);
  }
}
