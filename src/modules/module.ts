import type { z } from 'zod';
import type { BatchOperation } from '../transport/batch-script';
import type { JointProbe } from './support/joint-probes';
import type { Connection } from '../transport/connection';

/**
 * The contract of a module (pyinfra's operations are the model): declared arguments, then
 * probe the current state, decide the change, apply it. A module never touches SSH: it speaks
 * through `ctx.conn`. One file per module under src/modules/.
 */

/**
 * What a host looks like, gathered once per run in one round trip (see setup.ts), by Ansible's fact
 * names without the `ansible_` prefix. The optional ones belong to subsets a `gather_subset` may skip.
 */
export interface Facts {
  hostname: string;
  nodename: string;
  fqdn: string;
  domain: string;
  system: string; // 'Linux'
  kernel: string;
  kernel_version: string;
  machine: string;
  architecture: string; // 'x86_64'
  os_family: string; // 'Debian'
  distribution: string; // 'Debian'
  distribution_release: string; // 'bookworm'
  distribution_version: string; // '12'
  distribution_major_version: string; // '12'
  distribution_minor_version?: string;
  service_mgr: string; // 'systemd'
  pkg_mgr: string; // 'apt'
  env: Record<string, string>;
  date_time: Record<string, string>;
  lsb: Record<string, string>;
  /** { executable, version: { major, minor, ... }, version_info, type, has_sslcontext } */
  python?: Record<string, unknown>;
  python_version?: string;
  user_id?: string;
  processor_count?: number;
  processor_vcpus?: number;
  memtotal_mb?: number;
  all_ipv4_addresses?: string[];
  /** { interface, address, gateway, netmask, network, prefix, ... }; empty without a default route. */
  default_ipv4?: Record<string, unknown>;
  virtualization_type?: string;
  virtualization_role?: string;
  [fact: string]: unknown;
}

/** One file a task would change, for --diff. */
export interface FileDiff {
  path: string;
  before: string;
  after: string;
  /** Contents are secret (no_log or vault-derived): show that the file changes, never how. */
  secret?: boolean;
}

/** The folder of a role (and of the playbook) a local file is looked up in. */
export type LocalFileKind = 'files' | 'templates' | 'vars';

export interface LocalFile {
  content: Buffer;
  /** Decrypted from vault: whatever shows the content (a diff) must not. */
  secret: boolean;
}

export interface ModuleContext {
  /** Inventory name of the host the task runs for. */
  host: string;
  /** The host's connection (the controller's for `delegate_to: localhost`). */
  conn: Connection;
  /** --check: predict, change nothing. */
  check: boolean;
  /** --diff: fill `diff` in the result for every file the task changes or would change. */
  diff: boolean;
  become: boolean;
  becomeUser?: string;
  facts: Facts | undefined;
  /** Every variable visible to the task, after precedence. */
  vars: Readonly<Record<string, unknown>>;
  /** Resolve a `src:` path: the role's files/ (or templates/), then the playbook's directory. */
  resolveLocal(path: string, kind: LocalFileKind): string;
  /** Read a controller YAML/JSON file with the run's vault passwords; decrypted values become vault secrets (include_vars). */
  readVarsFile(localPath: string): unknown;
  /**
   * Read a controller file (copy's `src:`); a vault-encrypted one is decrypted with the run's
   * passwords, as Ansible does, and its content becomes a vault secret.
   */
  readLocalFile(localPath: string): LocalFile;
  /** Render a template file on the controller with the task's variables (strict: missing variable is an error). */
  renderTemplate(localPath: string): string;
  /** The value of an expression over the task's variables (debug's `var`). */
  evaluate(expression: string): unknown;
  /** Whether a condition holds over the task's variables (assert's `that`). */
  evaluateCondition(condition: string | boolean): boolean;
  /** The task is `no_log` or its values come from the vault: file diffs are marked `secret`, never shown. */
  noLog?: boolean;
  /**
   * For `reboot`: close this host's connection and open a new one (same host, same settings), which
   * the engine then uses for the host's later tasks. May reject while the host is down; the module
   * retries until its own timeout.
   */
  reconnect?(): Promise<Connection>;
}

export interface ModuleResult {
  changed: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  diff?: FileDiff[];
  /** Facts set by set_fact or refreshed by setup. */
  facts?: Record<string, unknown>;
  /** Module-specific return values (rc, stdout, stderr, stat, status...), available to `register`. */
  [key: string]: unknown;
}

export interface ModuleDefinition<Args = unknown> {
  name: string;
  /** Arguments as a zod schema; unknown keys are refused (use `.strict()`), so a typo fails before any host is touched. */
  args: z.ZodType<Args>;
  /** The free-form form `command: ls -l` maps to this argument (command/shell: `cmd`; debug: `msg`...). */
  freeForm?: string;
  /** Other names of arguments as Ansible declares them for this module (alias → argument), e.g. file's `dest` → `path`. */
  aliases?: Readonly<Record<string, string>>;
  run(args: Args, ctx: ModuleContext): Promise<ModuleResult>;
  /**
   * The read-only operations `run` starts with, exactly as it issues them (same command text, same
   * options), so the engine can gather them for a stretch of tasks in one round trip before the
   * tasks run (see src/engine/run/probe-batch.ts). A module that finds nothing to change must issue
   * no other operation; one that changes something may issue anything after them. Omitted: the
   * module cannot say in advance (or `undefined` for these arguments), and a batch stops before its
   * task. `[]`: it never touches the host.
   */
  probe?(args: Args, ctx: ModuleContext): ProbeRequest[] | undefined;
}

/**
 * One read-only operation a module declares it starts with: a command, or reading a file. `joint`:
 * what the command asks, so that a batch may answer it with one command for several such probes
 * (support/joint-probes.ts).
 */
export type ProbeRequest = BatchOperation & { joint?: JointProbe };

/**
 * The value Ansible's `omit` variable holds: an argument rendered to it is dropped, as if not
 * written. Ansible's own placeholder has a random suffix; nothing here needs one.
 */
export const OMIT_PLACEHOLDER = '__omit_place_holder__';

/** Thrown by a module for an expected failure; the engine reports it as the task's failure message. */
export class ModuleFailure extends Error {
  constructor(message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ModuleFailure';
  }
}
