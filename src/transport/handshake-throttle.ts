import { Semaphore } from './semaphore';

/**
 * Caps concurrent SSH handshakes through one hop. Until one handshake through the hop has
 * succeeded, they go one at a time: the first proves the route (and lets a multiplexing
 * ProxyCommand such as `ssh -o ControlMaster=auto -W` set up its master) before the rest follow.
 */
export class HandshakeThrottle {
  private readonly slots: Semaphore;
  private proven = false;
  private pioneer: Promise<unknown> | undefined;

  constructor(limit: number) {
    this.slots = new Semaphore(limit);
  }

  async use<T>(work: () => Promise<T>): Promise<T> {
    while (!this.proven && this.pioneer) await this.pioneer.catch(() => undefined);
    if (this.proven) return this.slots.use(work);
    const attempt = this.slots.use(work);
    this.pioneer = attempt;
    try {
      const result = await attempt;
      this.proven = true;
      return result;
    } finally {
      this.pioneer = undefined;
    }
  }
}
