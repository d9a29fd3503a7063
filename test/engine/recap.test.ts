import { banner, recapLine } from '../../src/engine/output/recap';
import { emptyStats } from '../../src/engine/output/events';

describe('PLAY RECAP in Ansible format', () => {
  test('host padded to 26, each counter padded to 4', () => {
    const stats = { ...emptyStats(), ok: 3, changed: 1 };
    expect(recapLine('app-1', stats)).toBe(
      'app-1                      : ok=3    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
    );
  });

  test('banner fills to 80 columns with stars', () => {
    const line = banner('PLAY RECAP');
    expect(line).toMatch(/^PLAY RECAP \*+$/);
    expect(line.length).toBe(80);
    expect(banner('x'.repeat(100)).endsWith(' ***')).toBe(true);
  });
});
