import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadYamlFile } from '../../src/data/yaml-loader';
import { compileJinja } from '../../src/lang/jinja';
import { renderTemplateFile } from '../../src/lang/templates';

/**
 * Every Jinja2 template of the public-roles corpus (read in place, never edited) parses with
 * play, and renders to the same bytes as ansible-core's Templar for the same variables, where
 * ansible-core is installed (Debian's `ansible-core`, run by the system python3).
 */

const CORPUS = resolve(__dirname, '../../../shared/ansible-corpus');
const PYTHON = '/usr/bin/python3';
const DRIVER = join(__dirname, 'ansible-render.py');

interface Template {
  path: string;
  role: string;
  roleDir: string;
}

function corpusTemplates(): Template[] {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((c) => c.isDirectory())
    .flatMap((c) => readdirSync(join(CORPUS, c.name, 'roles')).map((role) => ({ role, roleDir: join(CORPUS, c.name, 'roles', role) })))
    .flatMap(({ role, roleDir }) => filesUnder(join(roleDir, 'templates')).filter((f) => f.endsWith('.j2')).map((path) => ({ path, role, roleDir })))
    .sort((a, b) => a.path.localeCompare(b.path));
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The facts of one Debian 12 host, as `setup` would gather them (a fixed, small set). */
const FACTS = {
  os_family: 'Debian',
  distribution: 'Debian',
  distribution_major_version: '12',
  distribution_version: '12.8',
  distribution_release: 'bookworm',
  hostname: 'web1',
  fqdn: 'web1.example.internal',
  default_ipv4: { address: '10.0.0.5', interface: 'eth0' },
  processor_vcpus: 2,
  memtotal_mb: 2048,
  service_mgr: 'systemd',
  virtualization_type: 'kvm',
};

/** What ssh_hardening's crypto_*.yml tasks set for OpenSSH 9. */
const SSH_CRYPTO = {
  ssh_ciphers: ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com'],
  ssh_macs: ['hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com'],
  ssh_kex: ['sntrup761x25519-sha512@openssh.com', 'curve25519-sha256@libssh.org'],
};

/** What a task sets before the template is rendered (a loop item, a fact registered earlier). */
const TASK_VARS: Record<string, Record<string, unknown>> = {
  'vhost.j2': {
    item: {
      listen: '8080',
      server_name: 'example.org www.example.org',
      server_name_redirect: 'old.example.org',
      root: '/var/www/example',
      access_log: '/var/log/nginx/example.access.log',
      extra_parameters: 'location / {\n    try_files $uri $uri/ =404;\n}',
    },
  },
  'authorized_principals.j2': { item: { path: '/etc/ssh/auth_principals/root', principals: ['root', 'admin'] } },
  'nginx.conf.j2': { nginx_user: 'www-data' },
  'ntp.conf.j2': { ntp_driftfile: '/var/lib/ntp/drift' },
  'opensshd.conf.j2': { sshd_version: '9.2', ...SSH_CRYPTO, ssh_host_key_files: ['/etc/ssh/ssh_host_ed25519_key', '/etc/ssh/ssh_host_rsa_key'] },
  'openssh.conf.j2': { sshd_version: '9.2', ...SSH_CRYPTO },
};

function variablesFor(template: Template): Record<string, unknown> {
  const files = ['defaults/main.yml', 'vars/main.yml', 'vars/Debian.yml'].map((f) => join(template.roleDir, f)).filter(existsSync);
  const roleVars = Object.assign({}, ...files.map((f) => loadYamlFile(f) as Record<string, unknown>)) as Record<string, unknown>;
  const facts = Object.fromEntries(Object.entries(FACTS).map(([k, v]) => [`ansible_${k}`, v]));
  return {
    ...roleVars,
    ...facts,
    ansible_facts: FACTS,
    inventory_hostname: 'web1',
    role_name: template.role,
    ansible_role_name: template.role,
    role_path: template.roleDir,
    ...TASK_VARS[basename(template.path)],
  };
}

function ansibleAvailable(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import ansible.template'], { encoding: 'utf8' }).status === 0;
}

function renderWithAnsible(cases: Array<{ path: string; vars: Record<string, unknown> }>): Array<{ text?: string; error?: string }> {
  const run = spawnSync(PYTHON, [DRIVER], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`ansible-render.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Array<{ text?: string; error?: string }>;
}

function renderWithPlay(path: string, vars: Record<string, unknown>): { text?: string; error?: string } {
  try {
    return { text: renderTemplateFile(path, vars) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Where two outcomes part: the first differing line (or the error), so a failure stays readable. */
function firstDifference(ours: { text?: string; error?: string }, theirs: { text?: string; error?: string }): Record<string, unknown> {
  if (ours.text === undefined || theirs.text === undefined) return { play: ours.error ?? 'rendered', ansible: theirs.error ?? 'rendered' };
  const a = ours.text.split('\n');
  const b = theirs.text.split('\n');
  const line = a.findIndex((l, i) => l !== b[i]);
  const at = line < 0 ? a.length : line;
  return { line: at + 1, play: a.slice(at, at + 3), ansible: b.slice(at, at + 3) };
}

/** Templates whose output cannot match ansible-core's, with the reason (empty: every one matches). */
const KNOWN_DIFFERENCES: Record<string, string> = {};

const templates = corpusTemplates();

// The corpus (../shared) and ansible-core (.ci/debian-packages.txt) are both part of the test setup: without them this is a failure, not a skip.
describe('the corpus templates', () => {
  test('the corpus is there, and ansible-core for the system python3', () => {
    expect({ corpus: templates.length > 0, ansible: ansibleAvailable() }).toEqual({ corpus: true, ansible: true });
  });

  it.each(templates.map((t) => [t.path.slice(CORPUS.length + 1), t.path]))('%s parses', (_name, path) => {
    expect(() => compileJinja(readFileSync(path, 'utf8'), { file: path })).not.toThrow();
  });

  it('render to the same bytes as ansible-core', () => {
    const cases = templates.map((t) => ({ path: t.path, vars: variablesFor(t) }));
    const theirs = renderWithAnsible(cases);
    const outcomes = cases.map((c, i) => {
      const ours = renderWithPlay(c.path, c.vars);
      const name = c.path.slice(CORPUS.length + 1);
      const identical = ours.text !== undefined && ours.text === theirs[i].text;
      return { name, identical, ours, theirs: theirs[i] };
    });
    const different = outcomes.filter((o) => !o.identical);
    console.log(`corpus templates identical to ansible-core: ${outcomes.length - different.length}/${outcomes.length}`);
    const unexpected = different.filter((o) => !Object.prototype.hasOwnProperty.call(KNOWN_DIFFERENCES, basename(o.name)));
    expect(unexpected.map((o) => ({ name: o.name, ...firstDifference(o.ours, o.theirs) }))).toEqual([]);
  });
});
