import { exceedsMaxFail, makeBatches } from '../../src/engine/run/batches';

const hosts = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'];

describe('serial batches', () => {
  test('no serial: one batch with every host', () => {
    expect(makeBatches(hosts, undefined)).toEqual([hosts]);
  });

  test('a number makes batches of that size, the last one smaller', () => {
    expect(makeBatches(hosts, [3])).toEqual([['h1', 'h2', 'h3'], ['h4', 'h5', 'h6'], ['h7']]);
  });

  test('a percentage of the play hosts, rounded down, at least one', () => {
    expect(makeBatches(hosts, ['30%']).map((b) => b.length)).toEqual([2, 2, 2, 1]);
    expect(makeBatches(hosts, ['1%']).map((b) => b.length)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  test('a list: each size in turn, the last one repeating', () => {
    expect(makeBatches(hosts, [1, '50%']).map((b) => b.length)).toEqual([1, 3, 3]);
    expect(makeBatches(hosts, [1, 2]).map((b) => b.length)).toEqual([1, 2, 2, 2]);
  });

  test('zero means all hosts at once; no hosts, no batch', () => {
    expect(makeBatches(hosts, [0])).toEqual([hosts]);
    expect(makeBatches([], [2])).toEqual([]);
  });
});

describe('max_fail_percentage', () => {
  test('must be exceeded, not reached', () => {
    expect(exceedsMaxFail(1, 4, 25)).toBe(false);
    expect(exceedsMaxFail(2, 4, 25)).toBe(true);
    expect(exceedsMaxFail(1, 2, 0)).toBe(true);
    expect(exceedsMaxFail(0, 2, 0)).toBe(false);
  });

  test('not set: never stops the play', () => {
    expect(exceedsMaxFail(4, 4, undefined)).toBe(false);
  });
});
