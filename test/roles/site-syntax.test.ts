import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, scratchDir } from './site-files';

/**
 * The site through play's own checks, with no host contacted: an inventory rendered by the bridge
 * from outputs in the stack's shape, plus the lab's group_vars; then --syntax-check (every module
 * argument, handler, role, template path) and the task list of the patch flow.
 */

const scratch = scratchDir('site-syntax-');
afterAll(scratch.cleanup);
const play = (args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'bin', 'play.js'), ...args], { cwd: REPO, encoding: 'utf8' });

const common = {
  environment: 'lab',
  load_balancer_dns: '10.200.1.3',
  bastion_public_ip: '10.200.1.2',
  app_instances: [
    { name: 'app-1', private_ip: '10.200.2.11', availability_zone: 'lab-a' },
    { name: 'app-2', private_ip: '10.200.2.12', availability_zone: 'lab-b' },
  ],
  log_collectors: [{ name: 'logs', private_ip: '10.200.2.4', availability_zone: 'lab-a' }],
  load_balancer: { driver: 'haproxy', admin_address: '10.200.1.3:9999', backend: 'app' },
};
/** The database as the lab outputs it (a host play configures) and as the stack does on AWS (RDS, nobody's host). */
const DATABASES = {
  lab: { endpoint: '10.200.2.5', port: 5432, name: 'bookshelf', user: 'bookshelf', host: 'db', credential: { kind: 'inventory', variable: 'database_password' } },
  rds: { endpoint: 'webtier-staging-database.example.invalid', port: 5432, name: 'bookshelf', user: 'bookshelf', credential: { kind: 'secretsmanager', secret_arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0' } },
};

function renderInventory(kind: keyof typeof DATABASES): string {
  const outputs = path.join(scratch.dir, `outputs-${kind}.json`);
  const inventory = path.join(scratch.dir, `inventory-${kind}`);
  writeFileSync(outputs, JSON.stringify({ ...common, database: DATABASES[kind] }));
  const rendered = play(['inventory', '--from-outputs', outputs, '--out', inventory]);
  expect(rendered.status).toBe(0);
  return inventory;
}

let site: string[];
let rdsSite: string[];
beforeAll(() => {
  site = ['site', '-i', renderInventory('lab'), '-i', path.join(REPO, 'inventory', 'lab')];
  rdsSite = ['site', '-i', renderInventory('rds'), '-i', path.join(REPO, 'inventory', 'lab')];
});

test('play site --syntax-check accepts the site, with the lab\'s database host and with RDS (no database host)', () => {
  for (const args of [site, rdsSite]) {
    const result = play([...args, '--syntax-check']);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  }
});

test('--tags database lists the database role alone; with RDS its play matches no host and says nothing', () => {
  const lab = play([...site, '--list-tasks', '--tags', 'database']);
  expect(lab.stdout).toMatch(/^\s*play #\d+ \(database\): Database/m);
  expect(new Set([...lab.stdout.matchAll(/^\s+(\w+) : /gm)].map((m) => m[1]))).toEqual(new Set(['database']));
  const rds = play([...rdsSite, '--list-tasks', '--tags', 'database']);
  expect({ status: rds.status, stderr: rds.stderr }).toEqual({ status: 0, stderr: '' });
});

test('--tags common is the patch flow: baseline and rolling updates, nothing of nginx, app or rsyslog', () => {
  const result = play([...site, '--list-tasks', '--tags', 'common']);
  expect(result.status).toBe(0);
  const roles = new Set([...result.stdout.matchAll(/^\s+(\w+) : /gm)].map((m) => m[1]));
  expect([...roles].sort()).toEqual(['common', 'rolling']);
});

test('--tags app lists the app role and its rolling restart only', () => {
  const result = play([...site, '--list-tasks', '--tags', 'app']);
  const roles = new Set([...result.stdout.matchAll(/^\s+(\w+) : /gm)].map((m) => m[1]));
  expect([...roles].sort()).toEqual(['app', 'rolling']);
});
