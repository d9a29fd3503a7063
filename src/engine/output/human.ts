import { banner, hostOutcome, recapLine } from './recap';
import type { Redactor } from '../../data/redaction';
import type { FailureDetail, HostStats, HostStatus, Reporter, RunEvent } from './events';

export interface HumanReporterOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  /** Every line passes through Redactor.redact before it is written. */
  secrets: Pick<Redactor, 'redact' | 'redactValue'>;
  verbose: boolean;
  /** Colours and the live progress line; defaults to whether `out` is a terminal. */
  tty?: boolean;
}

const COLOURS = { green: 32, yellow: 33, red: 31, cyan: 36, magenta: 35 } as const;
type Colour = keyof typeof COLOURS;

const STATUS_COLOUR: Record<HostStatus, Colour> = {
  ok: 'green',
  changed: 'yellow',
  failed: 'red',
  unreachable: 'red',
  skipped: 'cyan',
};
const STATUS_WORD: Record<HostStatus, string> = {
  ok: 'ok',
  changed: 'changed',
  failed: 'fatal',
  unreachable: 'fatal',
  skipped: 'skipping',
};
const COUNTER_COLOUR: Partial<Record<keyof HostStats, Colour>> = {
  ok: 'green',
  changed: 'yellow',
  unreachable: 'red',
  failed: 'red',
  skipped: 'cyan',
  rescued: 'magenta',
  ignored: 'magenta',
};
const STDERR_TAIL_LINES = 10;

/** Ansible-like output for people. */
export class HumanReporter implements Reporter {
  private readonly tty: boolean;
  private progressShown = false;

  constructor(private readonly options: HumanReporterOptions) {
    this.tty = options.tty ?? Boolean(options.out.isTTY && !process.env.NO_COLOR);
  }

  emit(event: RunEvent): void {
    if (event.type === 'task_progress') return this.progress(event.running, event.elapsedMs);
    this.clearProgress();
    switch (event.type) {
      case 'play_start':
        return this.write(`\n${banner(`PLAY [${event.name}]`)}`);
      case 'task_start': {
        const title = event.role ? `${event.role} : ${event.name}` : event.name;
        return this.write(`\n${banner(`${event.handler ? 'RUNNING HANDLER' : 'TASK'} [${title}]`)}`);
      }
      case 'host_result':
        return this.hostResult(event);
      case 'warning':
        return this.write(this.paint('magenta', `[WARNING]: ${event.message}`));
      case 'no_hosts':
        return this.write(`skipping: no hosts matched`);
      case 'recap':
        return this.recap(event.stats, event.elapsedMs, event.interrupted);
      case 'round_trips':
        return;
    }
  }

  private hostResult(event: Extract<RunEvent, { type: 'host_result' }>): void {
    const target = event.delegatedTo ? `${event.host} -> ${event.delegatedTo}` : event.host;
    const item = event.item !== undefined ? ` => (item=${describeItem(event.item)})` : '';
    let line = `${STATUS_WORD[event.status]}: [${target}]`;
    if (event.status === 'failed') line += `${item}: FAILED!`;
    else if (event.status === 'unreachable') line += `${item}: UNREACHABLE!`;
    else line += item;
    if (event.result && (this.options.verbose || event.status !== 'failed')) {
      // as Ansible: -v results on the same line; a debug message (shown without -v) as an indented block
      const result = this.options.secrets.redactValue(event.result);
      line += ` => ${this.options.verbose ? JSON.stringify(result) : JSON.stringify(result, null, 4)}`;
    }
    const lines = [this.paint(STATUS_COLOUR[event.status], line)];
    if (event.failure) lines.push(...failureLines(event.failure).map((l) => this.paint(STATUS_COLOUR[event.status], l)));
    if (event.ignored) lines.push(this.paint('cyan', '...ignoring'));
    for (const diff of event.diffs ?? []) lines.push(...diff.trimEnd().split('\n').map((l) => this.paintDiff(l)));
    this.write(lines.join('\n'));
  }

  private recap(stats: Record<string, HostStats>, elapsedMs: number, interrupted: boolean): void {
    const lines = [`\n${banner('PLAY RECAP')}`];
    for (const host of Object.keys(stats).sort()) {
      const outcome = hostOutcome(stats[host]);
      const colour: Colour = outcome === 'failed' ? 'red' : outcome === 'changed' ? 'yellow' : 'green';
      const paint = (counter: keyof HostStats, text: string) => this.paint(COUNTER_COLOUR[counter] ?? 'green', text);
      const line = recapLine(host, stats[host], paint);
      lines.push(this.tty ? this.paint(colour, host) + line.slice(host.length) : line);
    }
    lines.push('', `${interrupted ? 'Interrupted after' : 'Finished in'} ${(elapsedMs / 1000).toFixed(2)}s`);
    this.write(lines.join('\n'));
  }

  private progress(running: string[], elapsedMs: number): void {
    if (!this.tty || running.length === 0) return;
    const shown = running.slice(0, 5).join(', ') + (running.length > 5 ? ` and ${running.length - 5} more` : '');
    this.options.out.write(`\r\x1b[2K  ... still running on ${shown} (${Math.round(elapsedMs / 1000)}s)`);
    this.progressShown = true;
  }

  private clearProgress(): void {
    if (!this.progressShown) return;
    this.options.out.write('\r\x1b[2K');
    this.progressShown = false;
  }

  private paintDiff(line: string): string {
    if (line.startsWith('+') && !line.startsWith('+++')) return this.paint('green', line);
    if (line.startsWith('-') && !line.startsWith('---')) return this.paint('red', line);
    return line;
  }

  private paint(colour: Colour, text: string): string {
    return this.tty ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text;
  }

  private write(text: string): void {
    this.options.out.write(`${this.options.secrets.redact(text)}\n`);
  }
}

function describeItem(item: unknown): string {
  return typeof item === 'string' ? item : JSON.stringify(item);
}

/** The message, then what a person needs to see why a command failed: the command, its exit code, the end of stderr. */
function failureLines(failure: FailureDetail): string[] {
  const lines: string[] = [];
  if (failure.msg) lines.push(`    msg: ${failure.msg}`);
  if (failure.cmd) lines.push(`    cmd: ${failure.cmd}`);
  if (failure.rc !== undefined) lines.push(`    rc: ${failure.rc}`);
  const stderr = failure.stderr?.trimEnd();
  if (stderr) {
    const tail = stderr.split('\n').slice(-STDERR_TAIL_LINES);
    lines.push('    stderr:', ...tail.map((l) => `      ${l}`));
  }
  return lines;
}
