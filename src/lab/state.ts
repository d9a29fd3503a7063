import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../base/atomic-write';
import { LabError } from './exec';
import type { HostPlan } from './layout';

/** Everything the lab creates outside its own directory, in creation order, so down can undo it. */
export type Resource =
  | { kind: 'route'; destination: string }
  | { kind: 'nftables'; table: string }
  | { kind: 'link'; name: string }
  | { kind: 'netns'; name: string }
  | { kind: 'mount'; path: string }
  | { kind: 'cgroup'; path: string }
  | { kind: 'process'; host: string; pid: number };

export interface HostRecord extends HostPlan {
  /** Public host keys (`type base64`), made by the lab. */
  hostKeys: string[];
}

export interface LabState {
  name: string;
  octet: number;
  createdAt: string;
  /** false until up finished: a lab that is not ready was interrupted (or is still starting). */
  ready: boolean;
  /** PID of the process that ran up, to tell a crashed up from one still running. */
  upPid: number;
  /** The synthesized stack (cdk.tf.json) the lab was last brought in line with. */
  stackFile: string;
  /** The cache entries this lab's hosts are built from (hosts a sync or a replacement adds use the same ones). */
  baseRootfs: string;
  aptPool: string;
  hosts: HostRecord[];
  resources: Resource[];
}

export const stateFile = (stateDir: string): string => path.join(stateDir, 'state.json');

export async function readState(stateDir: string): Promise<LabState | undefined> {
  const file = stateFile(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as LabState;
  } catch (err) {
    throw new LabError(`${file}: not valid JSON (${(err as Error).message}); remove the lab by hand or fix the file`);
  }
}

/**
 * The state file is rewritten before each resource is created (not after), so a crash at any
 * point leaves a record of everything that might exist; undoing something that never got
 * created is a no-op.
 */
export class StateWriter {
  /** Saves are chained: parallel host setups record resources concurrently. */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly stateDir: string,
    readonly state: LabState,
  ) {}

  static async create(stateDir: string, state: LabState): Promise<StateWriter> {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const writer = new StateWriter(stateDir, state);
    await writer.save();
    return writer;
  }

  async record(resource: Resource): Promise<void> {
    this.state.resources.push(resource);
    await this.save();
  }

  async update(change: (state: LabState) => void): Promise<void> {
    change(this.state);
    await this.save();
  }

  private save(): Promise<void> {
    this.saving = this.saving.then(() => writeFileAtomic(stateFile(this.stateDir), `${JSON.stringify(this.state, null, 2)}\n`));
    return this.saving;
  }
}
