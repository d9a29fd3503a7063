import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { runBench } from '../../bench/run';
import { REPO } from '../../bench/lib/tools';

/*
 * Smoke run of the bench (bench/jest.smoke.config.js): the fleet part for real at N = 2, one run,
 * both tools, through the same runBench that writes RESULTS.md; and the site part's Ansible mirror
 * checked by ansible-playbook itself. The site comparison on the lab is not run here: one Ansible
 * site run takes minutes on this machine, beyond the smoke run's budget.
 */

const scratch = mkdtempSync(path.join(tmpdir(), 'pb-smoke-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test('the fleet bench runs both tools at N = 2 and writes its report', async () => {
  const out = path.join(scratch, 'RESULTS.md');
  const { fleet, report } = await runBench(
    { site: false, fleet: [2], runs: 1, ansibleRuns: 1, apps: 1, defaultsScenarios: [], out, logDir: path.join(scratch, 'logs') },
    () => undefined,
  );
  const summary = fleet.map((f) => ({ tool: f.tool, scenario: f.scenario, exitCodes: f.exitCodes, failed: f.failedHosts, changedInNoop: f.changedHosts }));
  expect(summary).toEqual([
    { tool: 'play', scenario: 'first', exitCodes: [0], failed: [], changedInNoop: [] },
    { tool: 'play', scenario: 'noop', exitCodes: [0], failed: [], changedInNoop: [] },
    { tool: 'ansible-best', scenario: 'first', exitCodes: [0], failed: [], changedInNoop: [] },
    { tool: 'ansible-best', scenario: 'noop', exitCodes: [0], failed: [], changedInNoop: [] },
  ]);
  // play multiplexes both hosts over one bastion connection; Ansible's cold run opens one per host.
  expect(fleet.filter((f) => f.tool === 'play').map((f) => f.bastionConnections.max)).toEqual([1, 1]);
  expect(fleet.find((f) => f.tool === 'ansible-best' && f.scenario === 'first')!.bastionConnections.max).toBe(2);
  for (const f of fleet) expect(f.sessionsPerTask).toBeGreaterThan(0);
  expect(readFileSync(out, 'utf8')).toBe(report);
  expect(report).toMatch(/\| 2 \| no-op rerun \| play \| /);
});

test('the Ansible mirror of the site passes ansible-playbook --syntax-check on a lab-shaped inventory', () => {
  const inventory = path.join(scratch, 'hosts.yml');
  const host = (address: string) => ({ ansible_host: address });
  writeFileSync(
    inventory,
    stringify({
      all: {
        vars: {
          ansible_user: 'admin',
          lb: { driver: 'haproxy', admin_address: '127.0.0.1:9999', backend: 'app' },
          database: { endpoint: '10.0.2.5', port: 5432, name: 'bookshelf', user: 'bookshelf', host: 'db', credential: { kind: 'inventory', variable: 'database_password' } },
        },
        children: {
          bastion: { hosts: { bastion: host('10.0.1.2') } },
          logs: { hosts: { logs: host('10.0.2.4') } },
          database: { hosts: { db: host('10.0.2.5') } },
          app: { hosts: { 'app-1': host('10.0.2.11') } },
        },
      },
    }),
  );
  const output = execFileSync('ansible-playbook', ['--syntax-check', '-i', inventory, '-i', path.join(REPO, 'inventory', 'lab'), path.join(REPO, 'bench', 'ansible', 'playbooks', 'site.yml')], {
    encoding: 'utf8',
    env: { ...process.env, ANSIBLE_CONFIG: path.join(REPO, 'bench', 'ansible', 'ansible.cfg'), ANSIBLE_NOCOLOR: '1' },
  });
  expect(output).toContain('playbook: ');
});
