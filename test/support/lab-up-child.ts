import { labUp } from '../../src/lab';

/** `up` in a process of its own, so a test can kill it half-way (run with node -r tsx/cjs): <lab name> <stack file>. */
labUp({ name: process.argv[2], stack: process.argv[3] }).then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
