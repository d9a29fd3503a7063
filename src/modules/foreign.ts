import { z } from 'zod';
import { ModuleFailure, type ModuleDefinition } from './module';

/**
 * Modules play deliberately does not implement because they manage other systems than the
 * Debian hosts it configures. Real roles name them in tasks behind `when: ansible_os_family ==
 * ...`, so a task using one loads (and passes --syntax-check); only running it on a host fails.
 */
const FOREIGN_MODULES = new Set([
  // other package managers
  'yum', 'dnf', 'yum_repository', 'rpm_key', 'zypper', 'zypper_repository', 'pacman', 'apk', 'homebrew', 'homebrew_cask', 'homebrew_tap',
  'pkgng', 'portage', 'openbsd_pkg', 'pkgutil', 'macports', 'slackpkg', 'xbps', 'urpmi', 'svr4pkg', 'swdepot', 'sorcery', 'redhat_subscription',
  'rhsm_repository',
  // other init systems and security frameworks
  'launchd', 'osx_defaults', 'openrc', 'runit', 'svc', 'firewalld', 'selinux', 'seboolean', 'sefcontext', 'seport',
]);

/** Collections whose modules above Ansible users name with their prefix. */
const PREFIXES = /^(?:ansible\.(?:builtin|legacy|posix|windows)|community\.(?:general|windows))\./;

/**
 * A stand-in for a module play knowingly leaves out (Windows modules included), undefined for any
 * other name: it takes any arguments, so the task loads, and fails on the host it reaches.
 */
export function foreignModule(name: string): ModuleDefinition | undefined {
  const short = name.replace(PREFIXES, '');
  if (!FOREIGN_MODULES.has(short) && !short.startsWith('win_')) return undefined;
  return {
    name: short,
    args: z.record(z.string(), z.unknown()),
    freeForm: '_raw_params',
    run: async (_args, ctx) => {
      throw new ModuleFailure(`module ${short} is not supported by play (this host is ${ctx.facts?.os_family ?? 'Debian'}; use apt or package)`);
    },
  };
}
