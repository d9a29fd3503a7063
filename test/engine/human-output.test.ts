import { Writable } from 'node:stream';
import { HumanReporter } from '../../src/engine/output/human';
import { JsonReporter } from '../../src/engine/output/json';
import { emptyStats } from '../../src/engine/output/events';
import { Redactor } from '../../src/data/redaction';

class Capture extends Writable {
  text = '';
  _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const secrets = () => {
  const s = new Redactor();
  s.add('sup3r-s3cret\nsecond line', 'vault');
  return s;
};

describe('output for people', () => {
  test('task header, host lines, failure with command, rc and stderr tail, recap and total time', () => {
    const out = new Capture();
    const reporter = new HumanReporter({ out, secrets: secrets(), verbose: false, tty: false });
    reporter.emit({ type: 'play_start', name: 'web', hosts: ['a', 'b'] });
    reporter.emit({ type: 'task_start', name: 'install', role: 'nginx', handler: false, origin: 'x:1' });
    reporter.emit({ type: 'host_result', task: 'install', host: 'a', status: 'changed', delegatedTo: 'localhost' });
    const stderr = Array.from({ length: 15 }, (_, i) => `line ${i + 1}`).join('\n');
    reporter.emit({ type: 'host_result', task: 'install', host: 'b', status: 'failed', failure: { msg: 'non-zero return code', cmd: 'apt-get install nginx', rc: 100, stderr } });
    reporter.emit({ type: 'recap', stats: { a: { ...emptyStats(), ok: 1, changed: 1 }, b: { ...emptyStats(), failed: 1 } }, elapsedMs: 1234, interrupted: false });
    const text = out.text;
    expect(text).toContain('\nPLAY [web] ****');
    expect(text).toContain('\nTASK [nginx : install] ****');
    expect(text).toContain('changed: [a -> localhost]\n');
    expect(text).toContain('fatal: [b]: FAILED!\n    msg: non-zero return code\n    cmd: apt-get install nginx\n    rc: 100\n    stderr:\n      line 6\n');
    expect(text).not.toContain('line 5\n');
    expect(text).toContain('line 15');
    expect(text).toContain('b                          : ok=0    changed=0    unreachable=0    failed=1 ');
    expect(text).toContain('Finished in 1.23s');
    expect(text).not.toContain('\x1b[');
  });

  test('on a terminal: colours, and a progress line naming the hosts still running, cleared before the next line', () => {
    const out = new Capture();
    const reporter = new HumanReporter({ out, secrets: secrets(), verbose: false, tty: true });
    reporter.emit({ type: 'task_start', name: 'slow', handler: false, origin: 'x:1' });
    reporter.emit({ type: 'task_progress', task: 'slow', running: ['app-2', 'app-3'], elapsedMs: 3200 });
    reporter.emit({ type: 'host_result', task: 'slow', host: 'app-1', status: 'ok' });
    expect(out.text).toContain('\r\x1b[2K  ... still running on app-2, app-3 (3s)');
    expect(out.text).toContain('\r\x1b[2K\x1b[32mok: [app-1]\x1b[0m');
  });

  test('a debug message as Ansible shows it; -v results on the host line', () => {
    const out = new Capture();
    new HumanReporter({ out, secrets: secrets(), verbose: false, tty: false }).emit({ type: 'host_result', task: 'd', host: 'a', status: 'ok', result: { msg: 'hi' } });
    expect(out.text).toBe('ok: [a] => {\n    "msg": "hi"\n}\n');
    const verbose = new Capture();
    new HumanReporter({ out: verbose, secrets: secrets(), verbose: true, tty: false }).emit({ type: 'host_result', task: 'c', host: 'a', status: 'changed', result: { changed: true, rc: 0 } });
    expect(verbose.text).toBe('changed: [a] => {"changed":true,"rc":0}\n');
  });

  test('no progress line when not on a terminal', () => {
    const out = new Capture();
    new HumanReporter({ out, secrets: secrets(), verbose: false, tty: false }).emit({ type: 'task_progress', task: 't', running: ['a'], elapsedMs: 5000 });
    expect(out.text).toBe('');
  });

  test('secrets never reach the output, in messages, diffs or -v results', () => {
    const out = new Capture();
    const reporter = new HumanReporter({ out, secrets: secrets(), verbose: true, tty: false });
    reporter.emit({
      type: 'host_result',
      task: 't',
      host: 'a',
      status: 'changed',
      diffs: ['--- f\n+++ f\n+token sup3r-s3cret'],
      result: { stdout: 'sup3r-s3cret\nsecond line' },
    });
    expect(out.text).not.toContain('sup3r');
    expect(out.text).not.toContain('second line');
    expect(out.text).toContain('********');
  });
});

describe('output for machines', () => {
  test('--json: one event per line, secrets redacted even when JSON escapes them', () => {
    const out = new Capture();
    const reporter = new JsonReporter(out, secrets());
    reporter.emit({ type: 'host_result', task: 't', host: 'a', status: 'ok', result: { msg: 'sup3r-s3cret\nsecond line' } });
    reporter.emit({ type: 'task_progress', task: 't', running: ['a'], elapsedMs: 1 });
    const lines = out.text.trim().split('\n');
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0]);
    expect(event).toMatchObject({ type: 'host_result', host: 'a', status: 'ok' });
    expect(lines[0]).not.toContain('sup3r');
    expect(lines[0]).not.toContain('second line');
  });
});
