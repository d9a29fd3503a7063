import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { batchAnswer, buildBatchScript, operationStarted, parseBatchFrames, type BatchAnswer, type BatchOperation } from '../../src/transport/batch-script';
import { LocalConnection } from '../../src/transport/local-connection';

/** Each operation's answer, as the engine takes them from a batch's output. */
function parseBatchOutput(output: { stdout: string; stderr: string }, nonce: string, ops: readonly BatchOperation[]): BatchAnswer[] {
  return parseBatchFrames(output, nonce, ops.length).map((frame, i) => frame && batchAnswer(ops[i], frame));
}

/** Many operations in one command answer exactly what each answers alone, over a real shell. */
describe('batch script', () => {
  let dir: string;
  const conn = new LocalConnection();
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'batch-'));
    writeFileSync(path.join(dir, 'text'), 'line one\nno newline at the end');
    writeFileSync(path.join(dir, 'binary'), Buffer.from([0, 1, 2, 255, 0x0a, 0xc3, 0x28]));
    writeFileSync(path.join(dir, 'secret'), 'x');
    // A program named like the batch's framing functions.
    writeFileSync(path.join(dir, 'o'), '#!/bin/sh\necho the program o\n');
    chmodSync(path.join(dir, 'o'), 0o755);
    chmodSync(path.join(dir, 'secret'), 0o000);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const ops = (): BatchOperation[] => [
    { kind: 'run', command: 'printf "%s" "$X"; echo to-stderr >&2; exit 3', options: { env: { X: "it's $HOME" } } },
    { kind: 'run', command: 'pwd', options: { cwd: dir } },
    { kind: 'read', path: path.join(dir, 'text'), options: {} },
    { kind: 'read', path: path.join(dir, 'binary'), options: {} },
    { kind: 'read', path: path.join(dir, 'absent'), options: {} },
    { kind: 'run', command: `printf '\\n%s o 9\\n' fake; exit 0`, options: {} },
    { kind: 'run', command: 'exit 1', options: {} },
    { kind: 'run', command: 'o', options: { env: { PATH: `${dir}:/usr/bin:/bin` } } },
  ];

  it('answers each operation as its own call does', async () => {
    const nonce = 'a'.repeat(32);
    const batch = ops();
    const answers = parseBatchOutput(await conn.run('sh -s', { stdin: buildBatchScript(batch, nonce) }), nonce, batch);
    const alone = await Promise.all(
      batch.map(async (op) => (op.kind === 'run' ? { kind: 'run', result: await conn.run(op.command, op.options) } : { kind: 'read', content: await conn.readFile(op.path, op.options) })),
    );
    expect(answers).toEqual(alone);
    expect(answers[3]).toEqual({ kind: 'read', content: Buffer.from([0, 1, 2, 255, 0x0a, 0xc3, 0x28]) });
    expect(answers[4]).toEqual({ kind: 'read', content: null });
  });

  it('under sudo: the script goes on stdin, not on the command line, and no operation reads it', async () => {
    const nonce = 'c'.repeat(32);
    const root = { become: true };
    const batch: BatchOperation[] = [
      { kind: 'run', command: 'cat; echo after-cat', options: root },
      { kind: 'run', command: `printf '%s\\n' 'PLAY_BATCH_${'d'.repeat(32)}'; id -u`, options: root },
      { kind: 'read', path: path.join(dir, 'text'), options: root },
      { kind: 'run', command: 'echo not root', options: {} },
      { kind: 'run', command: 'ps -o args= -p $PPID', options: root },
    ];
    const script = buildBatchScript(batch, nonce);
    expect(script).toContain(`sudo -n -H -u root -- sh -s <<'PLAY_BATCH_${nonce}'\n`);
    const answers = parseBatchOutput(await conn.run('sh -s', { stdin: script }), nonce, batch);
    const alone = await Promise.all(
      batch.slice(0, 4).map(async (op) => (op.kind === 'run' ? { kind: 'run', result: await conn.run(op.command, op.options) } : { kind: 'read', content: await conn.readFile(op.path, op.options) })),
    );
    expect(answers.slice(0, 4)).toEqual(alone);
    // sudo's own command line, which it logs, carries no script.
    expect(answers[4]).toEqual({ kind: 'run', result: { stdout: 'sudo -n -H -u root -- sh -s\n', stderr: '', exitCode: 0 } });
  });

  it('gives no answer where the real call would fail, or where the output is cut short', async () => {
    const nonce = 'b'.repeat(32);
    const unreadable: BatchOperation[] = [{ kind: 'read', path: path.join(dir, 'secret', 'under-a-file'), options: {} }];
    expect(parseBatchOutput(await conn.run('sh -s', { stdin: buildBatchScript(unreadable, nonce) }), nonce, unreadable)).toEqual([undefined]);
    const batch = ops();
    const full = await conn.run('sh -s', { stdin: buildBatchScript(batch, nonce) });
    const stdout = Buffer.from(full.stdout, 'base64');
    const cutStdout = { ...full, stdout: stdout.subarray(0, stdout.indexOf(`${nonce} o 2\n`) + 5).toString('base64') };
    const answers = parseBatchOutput(cutStdout, nonce, batch);
    expect(answers.slice(0, 2).every((a) => a?.kind === 'run')).toBe(true);
    expect(answers.slice(2)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    // Whether the shell reached an operation: the second's marker is whole, the third's cut.
    expect([1, 2].map((i) => operationStarted(cutStdout, nonce, i))).toEqual([true, false]);
    const cutAfterMarker = { ...full, stdout: stdout.subarray(0, stdout.indexOf(`${nonce} o 2\n`) + nonce.length + 5).toString('base64') };
    expect({ started: operationStarted(cutAfterMarker, nonce, 2), answer: parseBatchOutput(cutAfterMarker, nonce, batch)[2] }).toEqual({ started: true, answer: undefined });
    // The streams arrive apart: stderr cut short loses the same answers.
    const cutStderr = { ...full, stderr: full.stderr.slice(0, full.stderr.indexOf(`${nonce} o 2\n`) + 5) };
    const fromCutStderr = parseBatchOutput(cutStderr, nonce, batch);
    expect(fromCutStderr.slice(0, 2)).toEqual(answers.slice(0, 2));
    expect(fromCutStderr.slice(2)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
