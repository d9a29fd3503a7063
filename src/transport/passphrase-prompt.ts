import readline from 'node:readline';
import { Writable } from 'node:stream';

let queue: Promise<unknown> = Promise.resolve();

/** Reads a passphrase from the terminal without echo. Prompts are queued so parallel connects never interleave. */
export function askPassphrase(prompt: string): Promise<string> {
  const next = queue.then(
    () =>
      new Promise<string>((resolve) => {
        let muted = false;
        const output = new Writable({
          write(chunk, _encoding, done) {
            if (!muted) process.stderr.write(chunk);
            done();
          },
        });
        const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
        rl.question(prompt, (answer) => {
          rl.close();
          process.stderr.write('\n');
          resolve(answer);
        });
        muted = true;
      }),
  );
  queue = next.catch(() => undefined);
  return next;
}
