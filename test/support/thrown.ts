/** The error `run` throws, checked to be of `type` when given; fails the test when nothing is thrown. */
export function thrown<E extends Error = Error>(run: () => unknown, type?: abstract new (...args: never[]) => E): E {
  try {
    run();
  } catch (err) {
    if (type && !(err instanceof type)) throw err;
    return err as E;
  }
  throw new Error('no error thrown');
}
