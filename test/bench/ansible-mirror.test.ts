import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { renderTemplateFile, templatedVars } from '../../src/lang/templates';
import { readYaml, REPO, roleVars, ROLES } from '../roles/site-files';

/*
 * bench/ansible is the site for Ansible, so the benchmark compares the same work. These checks keep
 * it from drifting: every task file has the same tasks with the same modules in the same order,
 * and every Jinja2 template renders exactly the bytes its Handlebars original renders.
 */

const MIRROR = path.join(REPO, 'bench', 'ansible', 'roles');
const roles = readdirSync(ROLES);

/** Keywords of a task; the one remaining key is its module (FQCN prefixes dropped). */
const TASK_KEYWORDS = new Set([
  'name', 'when', 'register', 'notify', 'loop', 'become', 'become_user', 'delegate_to', 'changed_when', 'failed_when', 'check_mode',
  'no_log', 'tags', 'until', 'retries', 'delay', 'ignore_errors', 'vars', 'listen', 'run_once', 'block', 'rescue', 'always',
]);

function taskShape(tasks: unknown): unknown[] {
  return (tasks as Record<string, unknown>[]).map((task) => {
    const modules = Object.keys(task).filter((key) => !TASK_KEYWORDS.has(key));
    const shape: Record<string, unknown> = { name: task.name ?? null, module: modules.map((m) => m.replace(/^ansible\.(builtin|posix)\./, '')) };
    for (const part of ['block', 'rescue', 'always']) if (task[part]) shape[part] = taskShape(task[part]);
    for (const keyword of ['when', 'notify', 'loop', 'register', 'delegate_to', 'become', 'changed_when', 'failed_when']) shape[keyword] = task[keyword] ?? null;
    return shape;
  });
}

/** Ansible's template module renders with trim_blocks and keeps the trailing newline. */
function renderJinja(file: string, vars: Record<string, unknown>): string {
  const script = [
    'import json, sys, jinja2',
    'env = jinja2.Environment(trim_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)',
    'sys.stdout.write(env.from_string(open(sys.argv[1]).read()).render(**json.load(sys.stdin)))',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script, file], { input: JSON.stringify(vars), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`jinja2 could not render ${file}: ${result.stderr}`);
  return result.stdout;
}

describe('the Ansible mirror of the site (bench/ansible)', () => {
  test.each(roles)('role %s: the same task files, tasks and modules, in order', (role) => {
    const dir = path.join(ROLES, role, 'tasks');
    for (const file of readdirSync(dir)) {
      const mirror = path.join(MIRROR, role, 'tasks', file);
      expect({ file: mirror, exists: existsSync(mirror) }).toEqual({ file: mirror, exists: true });
      const expected = taskShape(readYaml(path.join(dir, file)));
      // The mirror passes lb_member its settings explicitly (an Ansible module sees only its arguments).
      const actual = taskShape(readYaml(mirror));
      expect(actual).toEqual(expected);
    }
  });

  // Two variable sets, so both branches of every {{#if}} and a non-empty {{#each}} are compared.
  const variants: Record<string, Record<string, unknown>> = {
    defaults: {},
    'every option set': {
      timesync_servers: ['169.254.169.123', 'pool.example'],
      nginx_hsts_max_age: 31536000,
      rsyslog_listen_address: '10.0.2.4',
      app_workers: 3,
      nginx_real_ip_from: ['10.0.0.0/16', '10.1.0.0/16'],
    },
  };
  const templates = roles.flatMap((role) => {
    const dir = path.join(ROLES, role, 'templates');
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.hbs')).map((f) => [role, f] as const) : [];
  });

  test.each(templates)('%s/templates/%s renders the same bytes in Jinja2', (role, template) => {
    const jinja = path.join(MIRROR, role, 'templates', template.replace(/\.hbs$/, '.j2'));
    for (const [variant, overrides] of Object.entries(variants)) {
      const vars = roleVars(role, {
        rsyslog_target_host: '10.0.2.4',
        rsyslog_target_name: 'logs',
        rsyslog_hosted_token: 'tok-0123',
        database: { endpoint: '10.0.2.5', port: 5432, name: 'bookshelf', user: 'bookshelf', host: 'db', credential: { kind: 'inventory', variable: 'database_password' } },
        hostvars: { 'app-1': { database_password: "pw'1" } },
        inventory_dir: '/srv/inventory',
        // What the database role's set_fact works out before its templates.
        database_listen: 'localhost,10.0.2.5',
        database_hba_networks: ['10.0.2.0/24', '10.0.3.0/24'],
        ...overrides,
      });
      // Variables whose values are templates are rendered when read, as both tools do; plain Jinja2 needs them rendered first.
      const resolved = JSON.parse(JSON.stringify(templatedVars(vars))) as Record<string, unknown>;
      expect({ variant, text: renderJinja(jinja, resolved) }).toEqual({ variant, text: renderTemplateFile(path.join(ROLES, role, 'templates', template), vars) });
    }
  });
});
