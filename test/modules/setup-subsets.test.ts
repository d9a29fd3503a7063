import { readFileSync } from 'node:fs';
import { LocalConnection } from '../../src/transport';
import { getModule } from '../../src/modules';
import { factsCommand } from '../../src/modules/commands/facts';
import { resolveSubsets } from '../../src/modules/setup';
import type { Facts, ModuleResult } from '../../src/modules/module';
import { makeContext, runModule } from './context';
import { Project } from '../engine/harness';

/** setup's gather_subset, resolved as Ansible does, gathered for real from this machine. */

const conn = new LocalConnection();
afterAll(() => conn.close());

function setup(args: Record<string, unknown>, facts?: Facts): Promise<ModuleResult> {
  return runModule(getModule('setup')!, args, makeContext(conn, { facts }));
}

const MIN = ['hostname', 'fqdn', 'os_family', 'distribution', 'distribution_release', 'distribution_version', 'distribution_major_version', 'architecture', 'kernel', 'service_mgr', 'pkg_mgr', 'date_time', 'env'];
const HARDWARE = ['processor_count', 'processor_vcpus', 'memtotal_mb', 'mounts'];
const NETWORK = ['all_ipv4_addresses', 'default_ipv4'];
const VIRTUAL = ['virtualization_type', 'virtualization_role'];

describe('resolveSubsets', () => {
  it.each([
    [['all'], ['min', 'hardware', 'network', 'virtual']],
    [['!all'], ['min']],
    [['min'], ['min']],
    [['!all', '!min'], ['min']],
    [['network'], ['min', 'network']],
    [['!all', 'hardware'], ['min', 'hardware']],
    [['!hardware'], ['min', 'network', 'virtual']],
    [['all', '!network'], ['min', 'hardware', 'virtual']],
    [['virtual'], ['min', 'virtual']],
    [['network', '!network'], ['min', 'network']],
  ])('%j gathers %j', (names, subsets) => {
    expect([...resolveSubsets(names)].sort()).toEqual([...subsets].sort());
  });

  it('a min-only gathering runs none of the hardware or network commands', () => {
    const command = factsCommand(resolveSubsets(['!all']));
    expect(command).not.toMatch(/\bip -o|nproc|meminfo/);
    expect(command).toContain('/etc/os-release');
  });
});

describe('setup gather_subset on this machine', () => {
  it('all (the default) gathers min, hardware, network and virtual facts', async () => {
    const { ansible_facts: facts } = await setup({});
    expect(Object.keys(facts as object)).toEqual(expect.arrayContaining([...MIN, ...HARDWARE, ...NETWORK, ...VIRTUAL]));
    expect((facts as Facts).processor_count).toBeGreaterThan(0);
    expect((facts as Facts).os_family).toBe('Debian');
  });

  it('!all and min gather only the minimal facts', async () => {
    for (const gather_subset of [['!all'], 'min']) {
      const { ansible_facts: facts } = await setup({ gather_subset });
      expect(Object.keys(facts as object)).toEqual(expect.arrayContaining(MIN));
      for (const name of [...HARDWARE, ...NETWORK, ...VIRTUAL]) expect(facts).not.toHaveProperty(name);
    }
  });

  it('a comma-separated string selects subsets: network, or hardware alone', async () => {
    const network = (await setup({ gather_subset: '!all, network' })).ansible_facts as Partial<Facts>;
    expect(Array.isArray(network.all_ipv4_addresses)).toBe(true);
    expect(network).not.toHaveProperty('processor_count');
    const hardware = (await setup({ gather_subset: '!all,hardware' })).ansible_facts as Partial<Facts>;
    expect(hardware.memtotal_mb).toBeGreaterThan(0);
    expect(hardware).not.toHaveProperty('all_ipv4_addresses');
  });

  it("a subset adds to the host's facts: what it does not gather stays as it was", async () => {
    const known = (await setup({})).ansible_facts as Facts;
    const stale = { ...known, processor_count: 999, hostname: 'old-name' };
    const result = await setup({ gather_subset: ['!all'] }, stale);
    expect(result.facts).toMatchObject({ processor_count: 999, hostname: known.hostname, all_ipv4_addresses: known.all_ipv4_addresses });
    expect(result.ansible_facts).not.toHaveProperty('processor_count');
  });

  it('an unknown subset is refused, naming the ones there are', () => {
    const parsed = getModule('setup')!.args.safeParse({ gather_subset: ['!all', 'netwrok'] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error)).toContain('gather_subset takes all, min, hardware, network, virtual');
  });
});

test('in a playbook: a setup task with a subset refreshes those facts and keeps the gathered rest', async () => {
  const project = new Project();
  try {
    project.write({
      'playbooks/test.yml': `
- hosts: all
  tasks:
    - setup: { gather_subset: "!all" }
      register: minimal
    - shell: echo "{{ ansible_processor_count > 0 }} {{ minimal.ansible_facts.processor_count is defined }} {{ ansible_os_family }}" > {{ dir }}/facts.log
`,
    });
    const run = await project.run(['h1']);
    expect(run.tasks()).toEqual(['Gathering Facts', 'setup', 'shell']);
    expect(readFileSync(project.path('facts.log'), 'utf8')).toBe('true false Debian\n');
  } finally {
    project.remove();
  }
});
