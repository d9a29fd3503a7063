import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition } from './module';
import { apt, aptArgs, type AptArgs } from './apt';

/**
 * Arguments of the other package managers (yum, dnf, zypper) that roles pass to `package` in
 * tasks guarded by `when: ansible_os_family == 'RedHat'`. Ansible's package hands every argument to
 * the backend, and apt refuses these when the task runs; so here they load (and pass
 * --syntax-check) and fail only on a host the task reaches, with Ansible's message.
 */
const OTHER_BACKEND_ARGS = [
  'enablerepo', 'disablerepo', 'disable_gpg_check', 'disable_excludes', 'exclude', 'conf_file', 'installroot', 'releasever',
  'security', 'bugfix', 'update_only', 'skip_broken', 'enable_plugin', 'disable_plugin', 'validate_certs', 'disable_recommends',
] as const;

/** Ansible's package states: `installed`/`removed` are the older names of present/absent. */
const STATE_NAMES = { present: 'present', installed: 'present', latest: 'latest', absent: 'absent', removed: 'absent' } as const;

const args = aptArgs.extend({
  state: z
    .enum(['present', 'installed', 'latest', 'absent', 'removed'])
    .default('present')
    .transform((state) => STATE_NAMES[state]),
  /**
   * The backend: `auto` (the host's pkg_mgr fact) or `apt`. Any other name fails on the host, not
   * at load: a role names yum in tasks that never run on Debian.
   */
  use: z.string().default('auto'),
  ...Object.fromEntries(OTHER_BACKEND_ARGS.map((name) => [name, z.unknown().optional()])),
});

type PackageArgs = z.infer<typeof args>;

/** The apt task this package task is, or the failure Ansible gives for another backend's arguments. */
function asApt(a: PackageArgs, ctx: ModuleContext): AptArgs {
  const { use, ...rest } = a;
  const backend = use === 'auto' ? (ctx.facts?.pkg_mgr ?? 'apt') : use;
  if (backend !== 'apt') {
    const why = use === 'auto' ? `the host's package manager is ${backend}` : `use: ${use}`;
    throw new ModuleFailure(`package: ${why}, but play manages packages with apt only (use: auto or apt)`);
  }
  const foreign = OTHER_BACKEND_ARGS.filter((name) => (rest as Record<string, unknown>)[name] !== undefined);
  if (foreign.length > 0) throw new ModuleFailure(`Unsupported parameters for (apt) module: ${foreign.join(', ')}`);
  return Object.fromEntries(Object.entries(rest).filter(([name]) => !(OTHER_BACKEND_ARGS as readonly string[]).includes(name))) as AptArgs;
}

/**
 * ansible.builtin.package: on the Debian hosts play configures the generic package manager is
 * apt, so the task is apt's, with apt's arguments and results (Ansible's package action plugin
 * does the same: it picks the backend module and passes the arguments on).
 */
export const packageModule: ModuleDefinition<PackageArgs> = {
  name: 'package',
  args,
  aliases: apt.aliases,
  probe: (a, ctx) => apt.probe?.(asApt(a, ctx), ctx),
  async run(a, ctx) {
    return apt.run(asApt(a, ctx), ctx);
  },
};
