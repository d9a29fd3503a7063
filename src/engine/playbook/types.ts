import type { Vars } from '../../data/vars';

/**
 * The loaded, validated shape of a playbook. Everything a run needs is resolved at load time
 * (imports expanded, inherited keywords folded into each task) except what Ansible itself
 * resolves at run time: include_tasks / include_role, templated values, loops.
 */

/** Where a playbook object came from, for messages: `file:line`. */
export interface Origin {
  file: string;
  line: number;
}

export function formatOrigin(origin: Origin): string {
  return `${origin.file}:${origin.line}`;
}

/** The role a task belongs to: where its files live and which variables it brings. */
export interface RoleScope {
  name: string;
  path: string;
  defaults: Vars;
  /** vars/main.yml, then the per-role vars given where the role is used (role params). */
  vars: Vars;
}

/** A boolean keyword as written: true/false, or `{{ }}` rendered per host when the task runs. */
export type Flag = boolean | string;

/** The boolean keywords that may be templated, as they are once rendered for one host. */
export interface ResolvedFlags {
  become?: boolean;
  ignoreErrors?: boolean;
  noLog?: boolean;
  runOnce?: boolean;
}

/**
 * Keywords a task inherits from the play, role, block or import around it. Folding them into
 * each task at load time keeps the executor free of parent pointers.
 */
export interface Inherited {
  when: string[];
  tags: string[];
  vars: Vars;
  become?: Flag;
  becomeUser?: string;
  /** remote_user: the SSH login when the host has no ansible_user. */
  remoteUser?: string;
  ignoreErrors?: Flag;
  noLog?: Flag;
  checkMode?: boolean;
  diff?: boolean;
  delegateTo?: string;
  /** Run on the first active host of the batch only; the result counts for every host of it. */
  runOnce?: Flag;
  /** `environment:` of each level, outermost first; merged per host at run time, the inner level winning. */
  environment?: EnvironmentLayer[];
  role?: RoleScope;
}

/** One level's `environment:`: a mapping (names checked at load time) or `{{ }}` that renders to one. */
export type EnvironmentLayer = Vars | string;

/** loop / with_<lookup>: the items as written (a list, or `{{ }}` that renders to one). */
export interface LoopSpec {
  loop?: unknown;
  loopVar: string;
  /** with_items flattens one level, as Ansible's does. */
  flattenLoop?: boolean;
  /** with_<lookup> (other than items/list): the lookup the rendered terms go through, as Ansible's `with_dict`. */
  loopLookup?: string;
}

interface NodeBase extends Inherited {
  name?: string;
  origin: Origin;
}

/** `async: N` / `poll: P` (command and shell): run as a background job, checked every P seconds for at most N. */
export interface AsyncSpec {
  timeoutSeconds: number;
  /** 0: start the job and go on (fire and forget); its id is the result's `ansible_job_id`. */
  pollSeconds: number;
}

export interface ModuleTask extends NodeBase, LoopSpec {
  kind: 'module';
  module: string;
  /** Arguments as written (may hold `{{ }}`); rendered and fully validated per host at run time. */
  args: Vars;
  register?: string;
  notify: string[];
  changedWhen?: string[];
  failedWhen?: string[];
  until?: string[];
  retries: number;
  delaySeconds: number;
  async?: AsyncSpec;
}

export interface BlockTask extends NodeBase {
  kind: 'block';
  block: TaskNode[];
  rescue: TaskNode[];
  always: TaskNode[];
}

/** include_tasks: the file (may be templated) is loaded when the task is reached. */
export interface IncludeTasks extends NodeBase, LoopSpec {
  kind: 'include_tasks';
  file: string;
  /** The directory a relative file is resolved against. */
  baseDir: string;
}

/** include_role: the role is loaded when the task is reached. */
export interface IncludeRole extends NodeBase {
  kind: 'include_role';
  roleName: string;
  tasksFrom: string;
  roleVars: Vars;
}

export interface MetaTask extends NodeBase {
  kind: 'meta';
  action: 'flush_handlers' | 'noop' | 'end_play' | 'end_host' | 'clear_facts';
}

export type TaskNode = ModuleTask | BlockTask | IncludeTasks | IncludeRole | MetaTask;

/** A task's name as Ansible shows it: its name, or its module (or kind) when it has none. */
export function taskName(node: TaskNode): string {
  return node.name ?? (node.kind === 'module' ? node.module : node.kind);
}

/** `role : name` for a task of a role, as in Ansible's output and `--start-at-task`. */
export function qualifiedTaskName(node: TaskNode): string {
  return node.role ? `${node.role.name} : ${taskName(node)}` : taskName(node);
}

export interface Handler extends ModuleTask {
  /** The names a notify can use: its name, `role : name`, and its listen topics. */
  triggers: string[];
}

export type SerialSpec = Array<number | string>;

export interface Play {
  name: string;
  origin: Origin;
  hosts: string;
  vars: Vars;
  gatherFacts: boolean;
  serial?: SerialSpec;
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  forceHandlers?: boolean;
  /** The play's own keywords (become, become_user, remote_user, environment...), which its tasks inherit, the implicit fact gathering included. */
  keywords: Inherited;
  /** pre_tasks, role tasks, tasks, post_tasks in Ansible's order, each section followed by a handler flush. */
  sections: TaskNode[][];
  handlers: Handler[];
  tags: string[];
}

export interface Playbook {
  path: string;
  dir: string;
  plays: Play[];
}
