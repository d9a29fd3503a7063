import { HandshakeThrottle } from '../../src/transport/handshake-throttle';

/** Records how many pieces of work run at once through a throttle. */
function tracker() {
  let active = 0;
  const peaks: number[] = [];
  const work = (ms: number, fail = false) => async () => {
    active += 1;
    peaks.push(active);
    await new Promise((resolve) => setTimeout(resolve, ms));
    active -= 1;
    if (fail) throw new Error('handshake failed');
    return 'ok';
  };
  return { peaks, work };
}

test('the first handshake runs alone, then at most `limit` at a time', async () => {
  const throttle = new HandshakeThrottle(3);
  const { peaks, work } = tracker();
  const results = await Promise.all(Array.from({ length: 10 }, () => throttle.use(work(20))));
  expect(results).toEqual(Array(10).fill('ok'));
  expect(peaks[0]).toBe(1);
  expect(peaks[1]).toBe(1);
  expect(Math.max(...peaks)).toBe(3);
});

test('when the first handshake fails, the next one goes alone again; failures reach their caller only', async () => {
  const throttle = new HandshakeThrottle(4);
  const { peaks, work } = tracker();
  const first = throttle.use(work(20, true));
  const rest = Array.from({ length: 5 }, () => throttle.use(work(20)));
  await expect(first).rejects.toThrow('handshake failed');
  expect(await Promise.all(rest)).toEqual(Array(5).fill('ok'));
  expect(peaks.slice(0, 3)).toEqual([1, 1, 1]);
  expect(Math.max(...peaks)).toBeLessThanOrEqual(4);
});
