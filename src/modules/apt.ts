import { z } from 'zod';
import { ModuleFailure, type ModuleContext, type ModuleDefinition } from './module';
import {
  aptGet,
  aptProbeCommand,
  changesInSummary,
  debIsInstalled,
  debPathProblem,
  debProbeCommand,
  isLockError,
  joinablePackages,
  parseAptProbe,
  parsePackageSpec,
  unmetDependencies,
  planPackages,
  updateCacheCommand,
} from './commands/apt';
import { probeRun, run, runOk } from './support/host';
import type { RunResult } from '../transport/connection';

/** Debian package names start with a letter or digit (so never look like an option), optionally `=version`. */
const PACKAGE = /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9]+)?(=[A-Za-z0-9.+~:-]+)?$/;

/** apt's arguments; `package` extends them, as Ansible's package hands its arguments to apt. */
export const aptArgs = z
  .object({
    name: z
      .union([z.string(), z.array(z.string())])
      .transform((n) => (Array.isArray(n) ? n : n.split(',')).map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(PACKAGE, 'not a Debian package name (optionally =version)')))
      .optional(),
    state: z.enum(['present', 'absent', 'latest']).default('present'),
    update_cache: z.boolean().default(false),
    /** Seconds: a cache refreshed more recently than this is fresh, and not refreshed again. */
    cache_valid_time: z.number().int().nonnegative().default(0),
    upgrade: z.union([z.enum(['safe', 'dist', 'full', 'yes', 'no']), z.boolean()]).transform((u) => (u === true ? 'yes' : u === false ? 'no' : u)).default('no'),
    autoremove: z.boolean().default(false),
    /** Absolute path of a .deb file on the host; apt installs it with its dependencies. */
    deb: z
      .string()
      .superRefine((path, issues) => {
        const problem = debPathProblem(path);
        if (problem !== undefined) issues.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    purge: z.boolean().default(false),
    install_recommends: z.boolean().optional(),
    /** `-t RELEASE` for installs (e.g. a backports suite); empty means none, as in Ansible. */
    default_release: z.string().default(''),
    /** Seconds to wait for the dpkg/apt locks held by apt-daily or another run before failing. */
    lock_timeout: z.number().int().nonnegative().default(600),
  })
  .strict();

const args = aptArgs;

export type AptArgs = z.infer<typeof args>;

const UPGRADE_VERBS = { safe: ['upgrade', '--with-new-pkgs'], yes: ['upgrade'], dist: ['dist-upgrade'], full: ['dist-upgrade'] } as const;

/**
 * Runs an apt command, retrying while another process holds a lock: DPkg::Lock::Timeout covers the
 * dpkg lock, but `apt-get update` fails at once on the lists lock that apt-daily may hold.
 */
export async function aptRun(ctx: ModuleContext, a: Pick<AptArgs, 'lock_timeout'>, command: string, what: string): Promise<RunResult> {
  const deadline = Date.now() + a.lock_timeout * 1000;
  for (;;) {
    const result = await run(ctx, command);
    if (result.exitCode === 0) return result;
    if (!isLockError(result.stderr) || Date.now() > deadline) {
      const reason = [...unmetDependencies(result.stdout), ...result.stderr.trim().split('\n').slice(-10)].join('\n');
      throw new ModuleFailure(`${what} failed on ${ctx.host} (exit ${result.exitCode}): ${reason}`, {
        cmd: command,
        rc: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function packageNames(a: AptArgs): string[] {
  return (a.name ?? []).map((spec) => parsePackageSpec(spec).name);
}

export const apt: ModuleDefinition<AptArgs> = {
  name: 'apt',
  args,
  aliases: { package: 'name', pkg: 'name', 'update-cache': 'update_cache', 'install-recommends': 'install_recommends', 'default-release': 'default_release' },
  // Only reads: the cache's age comes with the package probe; an apt-get update, upgrade or autoremove is issued after them.
  probe(a, ctx) {
    const packages = packageNames(a);
    const probe = probeRun(ctx, aptProbeCommand(packages));
    return [joinablePackages(packages) ? { ...probe, joint: { family: 'apt', packages } } : probe, ...(a.deb === undefined ? [] : [probeRun(ctx, debProbeCommand(a.deb))])];
  },
  async run(a, ctx) {
    const specs = (a.name ?? []).map(parsePackageSpec);
    const names = packageNames(a);
    let probe = parseAptProbe((await runOk(ctx, aptProbeCommand(names), 'probing apt')).stdout);
    const lock = a.lock_timeout;
    // the probe's candidate versions ignore -t, so "latest" from another release could not be judged
    if (a.default_release !== '' && a.state === 'latest') throw new ModuleFailure('default_release with state: latest is not supported');
    const installOptions = [
      ...(a.install_recommends === undefined ? [] : [a.install_recommends ? '--install-recommends' : '--no-install-recommends']),
      ...(a.default_release === '' ? [] : ['-t', a.default_release]),
    ];
    const result: Record<string, unknown> = {};
    let changed = false;

    if (a.update_cache) {
      const fresh = a.cache_valid_time > 0 && probe.cacheAge < a.cache_valid_time;
      result.cache_updated = !fresh;
      if (!fresh) {
        changed = true;
        if (!ctx.check) {
          await aptRun(ctx, a, updateCacheCommand(lock), 'apt-get update');
          if (names.length > 0) probe = parseAptProbe((await runOk(ctx, aptProbeCommand(names), 'probing apt')).stdout);
        }
      }
    }

    const plan = planPackages(specs, a.state, probe);
    if (plan.unknown.length > 0) throw new ModuleFailure(`No package matching ${plan.unknown.map((n) => `'${n}'`).join(', ')} is available on ${ctx.host}`);
    // Check mode asks apt itself (-s) whether the install would resolve, so a prediction of "changed" is also a promise of "works".
    const simulate = ctx.check ? ['-s'] : [];
    if (plan.install.length > 0) await aptRun(ctx, a, aptGet(lock, ...simulate, ...installOptions, 'install', ...plan.install), 'apt-get install');
    if (plan.remove.length > 0) await aptRun(ctx, a, aptGet(lock, ...simulate, a.purge ? 'purge' : 'remove', ...plan.remove), 'apt-get remove');
    changed ||= plan.install.length > 0 || plan.remove.length > 0;
    result.installed = plan.install;

    if (a.deb !== undefined) {
      const deb = debIsInstalled((await runOk(ctx, debProbeCommand(a.deb), `reading ${a.deb}`)).stdout);
      if (!deb.installed) {
        await aptRun(ctx, a, aptGet(lock, ...simulate, ...installOptions, 'install', a.deb), `apt-get install ${a.deb}`);
        result.installed = [...plan.install, `${deb.name}=${deb.version}`];
        changed = true;
      }
    }
    result.removed = plan.remove;

    if (a.upgrade !== 'no') {
      const out = await aptRun(ctx, a, aptGet(lock, ...simulate, ...UPGRADE_VERBS[a.upgrade]), `apt-get ${a.upgrade} upgrade`);
      const count = changesInSummary(out.stdout);
      result.upgraded = count;
      changed ||= count > 0;
    }
    if (a.autoremove) {
      const out = await aptRun(ctx, a, aptGet(lock, ...simulate, ...(a.purge ? ['--purge'] : []), 'autoremove'), 'apt-get autoremove');
      const count = changesInSummary(out.stdout);
      result.autoremoved = count;
      changed ||= count > 0;
    }
    return { changed, ...result };
  },
};
