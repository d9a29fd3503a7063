import { buildProgram } from './program';

// bin/play.js requires this file: parse the command line and run.
buildProgram()
  .parseAsync(process.argv)
  .catch((err: Error) => {
    process.stderr.write(`ERROR! ${err.message}\n`);
    process.exitCode = 1;
  });
