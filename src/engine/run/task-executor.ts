import { readFileSync } from 'node:fs';
import type { Connection } from '../../transport/connection';
import { TransportError } from '../../transport/connection';
import { ModuleFailure, type LocalFile, type ModuleContext, type ModuleDefinition, type ModuleResult, type ProbeRequest } from '../../modules/module';
import type { FailureDetail, HostStatus, ItemOutcome } from '../output/events';
import { resolveLocal } from '../playbook/local-files';
import { parseArgs } from '../playbook/module-args';
import type { FlaggedTask } from './flags';
import { asyncCommandLine } from '../../modules/commands/async-job';
import { asyncDirOf } from '../../modules/support/async-job';
import { AsyncJobConnection } from './async-job';
import { renderEnvironment, withEnvironment } from './environment';
import { allHold, holds, loopItems, renderArgs, renderFile, valueOf } from './evaluate';
import type { Vars } from '../../data/vars';
import type { Redactor } from '../../data/redaction';
import { unsafeData } from '../../data/unsafe-text';
import { loadYamlFile } from '../../data/yaml-loader';
import { openVaultedFile, VaultError, type VaultPasswords } from '../../vault';

/** Everything one task on one host needs from the run. */
export interface TaskHostEnv {
  host: string;
  vars: Vars;
  module: ModuleDefinition;
  /** The connection the module uses (the host's, or the controller's when delegated). */
  conn: Connection;
  reconnect?: () => Promise<Connection>;
  check: boolean;
  diff: boolean;
  facts: Vars | undefined;
  playbookDir: string;
  /** The run's known secrets: values decrypted here are added; a diff holding one is not shown. */
  secrets: Redactor;
  /** The run's vault passwords, for controller files the task reads (include_vars, copy's src). */
  vault: VaultPasswords | undefined;
  /** Called once per loop item as it finishes, so people see items as they happen. */
  onItem: (item: ItemOutcome) => void;
}

export type { ItemOutcome };

export interface HostOutcome extends ItemOutcome {
  /** Set when the host could not be reached: it is out for the rest of the run. */
  unreachable?: TransportError;
  /** Per-item outcomes of a loop (already reported through onItem). */
  items?: ItemOutcome[];
}

const SKIPPED: Vars = { changed: false, skipped: true, skip_reason: 'Conditional result was False' };

/** Runs one module task on one host: when, loop, args, retries/until, changed_when/failed_when, register shape. */
export async function executeModuleTask(task: FlaggedTask, env: TaskHostEnv): Promise<HostOutcome> {
  try {
    if (task.loop === undefined) return await runItem(task, env, env.vars, undefined);
    const items = loopItems(task, env.vars, task.origin, task.module);
    const outcomes: ItemOutcome[] = [];
    for (const item of items) {
      const outcome = await runItem(task, env, { ...env.vars, [task.loopVar]: unsafeData(item) }, item);
      if (outcome.unreachable) return outcome;
      outcomes.push(outcome);
      env.onItem(outcome);
    }
    return summarize(outcomes, items.length === 0, task.loopVar);
  } catch (err) {
    return errorOutcome(err, undefined, task.noLog ?? false);
  }
}

/**
 * The read-only operations the task's module will start with on this host, every loop item's, as
 * they will reach the connection (privilege and `environment:` included), for probe-batch.ts;
 * undefined when the module cannot say, or the task cannot be decided yet (a variable not set).
 */
export function probeTask(task: FlaggedTask, env: TaskHostEnv): ProbeRequest[] | undefined {
  if (!env.module.probe) return undefined;
  try {
    const items = task.loop === undefined ? [undefined] : loopItems(task, env.vars, task.origin, task.module);
    const ops: ProbeRequest[] = [];
    for (const item of items) {
      const vars = task.loop === undefined ? env.vars : { ...env.vars, [task.loopVar]: unsafeData(item) };
      if (!mayHold(task, vars)) continue;
      const { args, ctx, environment } = prepareItem(task, env, vars);
      const probes = env.module.probe(args, ctx);
      if (probes === undefined) return undefined;
      ops.push(...probes.map((op) => (op.kind === 'run' && Object.keys(environment).length > 0 ? { ...op, options: { ...op.options, env: { ...environment, ...op.options.env } } } : op)));
    }
    return ops;
  } catch {
    return undefined;
  }
}

/**
 * The task's `when`, where it can be decided now; a condition on a value not registered yet (by a
 * task before it, looked past) is taken to hold: its probes are a guess, unused if it does not.
 */
function mayHold(task: FlaggedTask, vars: Vars): boolean {
  try {
    return allHold(task.when, vars, task.origin);
  } catch {
    return true;
  }
}

/** The item's arguments rendered and checked, and the module's context for them. */
function prepareItem(task: FlaggedTask, env: TaskHostEnv, vars: Vars): { args: unknown; ctx: ModuleContext; environment: Record<string, string> } {
  const rendered = renderArgs(task.module, task.args, vars, task.origin);
  const args = parseArgs(env.module, rendered, task.origin);
  const environment = renderEnvironment(task.environment, vars, task.origin);
  const secret = holdsSecret(env.secrets, rendered) || holdsSecret(env.secrets, environment) || (task.noLog ?? false);
  return { args, ctx: moduleContext(task, env, vars, environment, secret), environment };
}

async function runItem(task: FlaggedTask, env: TaskHostEnv, vars: Vars, item: unknown): Promise<HostOutcome> {
  const noLog = task.noLog ?? false;
  try {
    if (!allHold(task.when, vars, task.origin)) return { status: 'skipped', item, result: { ...SKIPPED }, diffs: [], noLog };
    const { args, ctx } = prepareItem(task, env, vars);
    const result = await withRetries(task, env.module, args, ctx, vars);
    return outcomeOf(withSecretDiffs(result, env.secrets), item, noLog);
  } catch (err) {
    return errorOutcome(err, item, noLog);
  }
}

function moduleContext(task: FlaggedTask, env: TaskHostEnv, vars: Vars, environment: Record<string, string>, secret: boolean): ModuleContext {
  const becomeVar = vars.ansible_become;
  const { reconnect } = env;
  return {
    host: env.host,
    conn: withEnvironment(env.conn, environment),
    check: task.checkMode ?? env.check,
    diff: task.diff ?? env.diff,
    become: task.become ?? (typeof becomeVar === 'boolean' ? becomeVar : false),
    becomeUser: task.becomeUser ?? (typeof vars.ansible_become_user === 'string' ? vars.ansible_become_user : undefined),
    facts: env.facts as ModuleContext['facts'],
    vars,
    noLog: secret,
    reconnect: reconnect && (async () => withEnvironment(await reconnect(), environment)),
    resolveLocal: (path, kind) => resolveLocal(path, kind, task.role?.path, env.playbookDir),
    renderTemplate: (localPath) => renderFile(localPath, vars),
    evaluate: (expression) => valueOf(expression, vars, task.origin),
    evaluateCondition: (condition) => holds(condition, vars, task.origin),
    readVarsFile: (localPath) => loadYamlFile(localPath, { vault: env.vault, secrets: env.secrets }),
    readLocalFile: (localPath) => readLocalFile(localPath, env),
  };
}

function holdsSecret(secrets: Redactor, value: unknown): boolean {
  if (typeof value === 'string') return secrets.contains(value);
  if (Array.isArray(value)) return value.some((v) => holdsSecret(secrets, v));
  if (value && typeof value === 'object') return Object.values(value).some((v) => holdsSecret(secrets, v));
  return false;
}

/** A vault-encrypted file is deployed decrypted, as Ansible's copy does; its text becomes a secret of the run. */
function readLocalFile(localPath: string, env: TaskHostEnv): LocalFile {
  try {
    return openVaultedFile(readFileSync(localPath), env.vault, (text) => env.secrets.add(text, 'vault'));
  } catch (err) {
    if (err instanceof VaultError) throw new Error(`${localPath}: vault: ${err.message}`);
    throw err;
  }
}

/**
 * The module marks a diff secret only from what it knew before running (no_log, secret
 * arguments); a rendered template or the host's old file can hold a known secret too, and
 * then the diff would print it, or the old value beside the masked new one.
 */
function withSecretDiffs(result: ModuleResult, secrets: Redactor): ModuleResult {
  if (!result.diff?.some((d) => !d.secret && (secrets.contains(d.before) || secrets.contains(d.after)))) return result;
  return { ...result, diff: result.diff.map((d) => (secrets.contains(d.before) || secrets.contains(d.after) ? { ...d, secret: true } : d)) };
}

/** Runs the module, then applies changed_when/failed_when; repeats while `until` does not hold. */
async function withRetries(task: FlaggedTask, module: ModuleDefinition, args: unknown, ctx: ModuleContext, vars: Vars): Promise<ModuleResult> {
  const attempts = task.until ? task.retries + 1 : 1;
  for (let attempt = 1; ; attempt++) {
    const result = judge(task, await runAttempt(task, module, args, ctx), vars);
    if (!task.until) return result;
    const withResult = task.register ? { ...vars, [task.register]: unsafeData(result) } : { ...vars, ...unsafeData(result) };
    if (allHold(task.until, withResult, task.origin)) return { ...result, attempts: attempt };
    if (attempt >= attempts) {
      return { ...result, attempts: attempt, failed: true, msg: `until was still false after ${attempt} attempts: ${task.until.join(' and ')}` };
    }
    await new Promise((resolve) => setTimeout(resolve, task.delaySeconds * 1000));
  }
}

/** One run of the module; an `async` task's command runs as a background job (a new one each attempt). */
async function runAttempt(task: FlaggedTask, module: ModuleDefinition, args: unknown, ctx: ModuleContext): Promise<ModuleResult> {
  if (!task.async) return runModule(module, args, ctx);
  const job = new AsyncJobConnection(ctx.conn, asyncCommandLine(module.name, args), asyncDirOf(ctx.vars), task.async);
  return job.result(await runModule(module, args, { ...ctx, conn: job }));
}

async function runModule(module: ModuleDefinition, args: unknown, ctx: ModuleContext): Promise<ModuleResult> {
  try {
    return await module.run(args, ctx);
  } catch (err) {
    if (err instanceof ModuleFailure) return { changed: false, ...err.details, failed: true, msg: err.message };
    throw err;
  }
}

/** changed_when and failed_when see the result under its register name, as in Ansible. */
function judge(task: FlaggedTask, result: ModuleResult, vars: Vars): ModuleResult {
  if (!task.changedWhen && !task.failedWhen) return result;
  const withResult = task.register ? { ...vars, [task.register]: unsafeData(result) } : vars;
  const judged = { ...result };
  if (task.changedWhen) judged.changed = allHold(task.changedWhen, withResult, task.origin);
  if (task.failedWhen) {
    judged.failed = allHold(task.failedWhen, withResult, task.origin);
    if (!judged.failed) delete judged.msg;
  }
  return judged;
}

function outcomeOf(result: ModuleResult, item: unknown, noLog: boolean): ItemOutcome {
  const status: HostStatus = result.failed ? 'failed' : result.skipped ? 'skipped' : result.changed ? 'changed' : 'ok';
  const registered: Vars = { ...result, changed: Boolean(result.changed), failed: Boolean(result.failed) };
  return { status, item, result: registered, failure: result.failed ? failureOf(result) : undefined, diffs: result.diff ?? [], noLog };
}

function failureOf(result: Vars): FailureDetail {
  const cmd = Array.isArray(result.cmd) ? result.cmd.join(' ') : typeof result.cmd === 'string' ? result.cmd : undefined;
  return {
    msg: typeof result.msg === 'string' ? result.msg : result.rc !== undefined ? 'non-zero return code' : 'failed',
    cmd,
    rc: typeof result.rc === 'number' ? result.rc : undefined,
    stderr: typeof result.stderr === 'string' ? result.stderr : undefined,
  };
}

/** A thrown error is the task's failure on this host; a TransportError that means "unreachable" takes the host out. */
function errorOutcome(err: unknown, item: unknown, noLog: boolean): HostOutcome {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof TransportError && err.unreachable) {
    return { status: 'unreachable', item, result: { changed: false, unreachable: true, msg: message }, failure: { msg: message }, diffs: [], noLog, unreachable: err };
  }
  return { status: 'failed', item, result: { changed: false, failed: true, msg: message }, failure: { msg: message }, diffs: [], noLog };
}

/** The registered result of a loop: every item's result, changed/failed if any item was, skipped if all were. */
function summarize(outcomes: ItemOutcome[], empty: boolean, loopVar: string): HostOutcome {
  const results = outcomes.map((o) => ({ ...o.result, [loopVar]: o.item, ansible_loop_var: loopVar }));
  const failed = outcomes.some((o) => o.status === 'failed');
  const changed = outcomes.some((o) => o.result.changed === true);
  const skipped = empty || outcomes.every((o) => o.status === 'skipped');
  const status: HostStatus = failed ? 'failed' : skipped ? 'skipped' : changed ? 'changed' : 'ok';
  const msg = failed ? 'One or more items failed' : 'All items completed';
  return {
    status,
    result: { changed, failed, skipped, msg, results },
    failure: failed ? { msg } : undefined,
    diffs: [],
    noLog: outcomes.some((o) => o.noLog),
    items: outcomes,
  };
}

