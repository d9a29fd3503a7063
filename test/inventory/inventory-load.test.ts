import { InventoryError, loadInventory } from '../../src/inventory/inventory';
import { expandHostRange } from '../../src/inventory/inventory-ranges';
import { Redactor } from '../../src/data/redaction';
import { VaultPasswords, encryptString, encryptVault } from '../../src/vault';
import { fixtureTree } from './inventory-fixture';

const HOSTS = `
all:
  vars:
    ansible_user: admin
  hosts:
    lonely:
  children:
    bastion:
      hosts:
        bastion: {ansible_host: 203.0.113.10}
    app:
      hosts:
        app-[1:3]:
          http_port: 8080
    web:
      children:
        app:
        logs:
          hosts:
            logs-1:
`;

function inventoryError(run: () => unknown): InventoryError {
  try {
    run();
  } catch (err) {
    if (err instanceof InventoryError) return err;
    throw err;
  }
  throw new Error('no error thrown');
}

describe('loading inventories', () => {
  it('reads Ansible-shaped YAML: hosts in inventory order, groups, nested children, ranges, ungrouped', () => {
    const tree = fixtureTree({ 'hosts.yml': HOSTS });
    try {
      const inv = loadInventory([tree.path('hosts.yml')]);
      expect(inv.hosts()).toEqual(['lonely', 'bastion', 'app-1', 'app-2', 'app-3', 'logs-1']);
      expect(inv.groups().sort()).toEqual(['all', 'app', 'bastion', 'logs', 'ungrouped', 'web']);
      expect(inv.hostsOf('web')).toEqual(['app-1', 'app-2', 'app-3', 'logs-1']);
      expect(inv.hostsOf('ungrouped')).toEqual(['lonely']);
      expect(inv.groupsOf('app-2')).toEqual(['all', 'web', 'app']);
      expect(inv.hostVars('app-2')).toMatchObject({ http_port: 8080, ansible_user: 'admin' });
    } finally {
      tree.remove();
    }
  });

  it('puts a host listed in several groups in all of them', () => {
    const tree = fixtureTree({ 'hosts.yml': 'all:\n  children:\n    a: {hosts: {h1: null, h2: null}}\n    b: {hosts: {h2: {x: 1}}}\n' });
    try {
      const inv = loadInventory([tree.root]);
      expect(inv.hosts()).toEqual(['h1', 'h2']);
      expect(inv.groupsOf('h2')).toEqual(['all', 'a', 'b']);
      expect(inv.hostVars('h2').group_names).toEqual(['a', 'b']);
    } finally {
      tree.remove();
    }
  });

  it('loads every .yml/.yaml file of a directory (not group_vars/host_vars) and merges several sources', () => {
    const tree = fixtureTree({
      'inv/10-app.yml': 'all:\n  children:\n    app: {hosts: {app-1: {a: 1}}}\n',
      'inv/20-more.yaml': 'app:\n  hosts:\n    app-2:\n',
      'inv/ssh.config': 'Host *\n',
      'inv/group_vars/app.yml': 'from_group_vars: yes\n',
      'other/hosts.yml': 'all:\n  children:\n    db: {hosts: {db-1: null, app-1: {b: 2}}}\n',
    });
    try {
      const inv = loadInventory([tree.path('inv'), tree.path('other/hosts.yml')]);
      expect(inv.hosts()).toEqual(['app-1', 'app-2', 'db-1']);
      expect(inv.groupsOf('app-1')).toEqual(['all', 'app', 'db']);
      expect(inv.hostVars('app-1')).toMatchObject({ a: 1, b: 2, from_group_vars: true });
      expect(inv.hostVars('app-1').inventory_dir).toBe(tree.path('inv'));
      expect(inv.hostVars('db-1').inventory_file).toBe(tree.path('other/hosts.yml'));
    } finally {
      tree.remove();
    }
  });

  it('adds the magic variables', () => {
    const tree = fixtureTree({ 'hosts.yml': HOSTS });
    try {
      const vars = loadInventory([tree.path('hosts.yml')]).hostVars('app-1');
      expect(vars.inventory_hostname).toBe('app-1');
      expect(vars.group_names).toEqual(['app', 'web']);
      expect((vars.groups as Record<string, string[]>).app).toEqual(['app-1', 'app-2', 'app-3']);
      expect((vars.groups as Record<string, string[]>).all).toHaveLength(6);
      expect(vars.inventory_dir).toBe(tree.root);
    } finally {
      tree.remove();
    }
  });

  it('decrypts vaulted group_vars and !vault values, registering them as secrets', () => {
    const tree = fixtureTree({
      'hosts.yml': 'all:\n  hosts:\n    h1:\n',
      'group_vars/all/vault.yml': encryptVault('db_password: very-secret\n', 'pw'),
      'group_vars/all/main.yml': `user: app\n${encryptString('inline-secret', 'token', 'pw')}`,
    });
    try {
      const secrets = new Redactor();
      const inv = loadInventory([tree.root], { vault: VaultPasswords.fromPassword('pw'), secrets });
      expect(inv.hostVars('h1')).toMatchObject({ user: 'app', db_password: 'very-secret', token: 'inline-secret' });
      expect(secrets.fromVault('very-secret')).toBe(true);
      expect(secrets.fromVault('inline-secret')).toBe(true);
      expect(() => loadInventory([tree.root], { vault: VaultPasswords.fromPassword('wrong') })).toThrow(/group_vars\/all\/(main|vault)\.yml.*decryption failed/);
    } finally {
      tree.remove();
    }
  });

  it('refuses malformed inventories with one error naming the file and the key', () => {
    const cases: Array<[string, RegExp, string]> = [
      ['all:\n  hostz:\n    h1:\n', /unknown key "hostz" in group "all"/, 'all.hostz'],
      ['all:\n  children:\n    app:\n      hosts: [a, b]\n', /hosts must be a mapping/, 'all.children.app.hosts'],
      ['all:\n  hosts:\n    h1: just-a-string\n', /variables must be a mapping/, 'all.hosts.h1'],
      ['all:\n  children:\n    "bad group": {}\n', /invalid group name/, 'all.children.bad group'],
      ['all:\n  vars: [1]\n', /variables must be a mapping/, 'all.vars'],
      ['all:\n  children:\n    a:\n      children:\n        a: {}\n', /contains itself/, 'all.children.a.children.a'],
      ['- just\n- a list\n', /must be a mapping of groups/, ''],
      ['# hosts\n[web]\nhost1\n', /looks like an INI inventory/, ''],
    ];
    for (const [content, message, key] of cases) {
      const tree = fixtureTree({ 'hosts.yml': content });
      try {
        const err = inventoryError(() => loadInventory([tree.path('hosts.yml')]));
        expect(err.file).toBe(tree.path('hosts.yml'));
        expect(err.message).toMatch(message);
        expect(err.key ?? '').toBe(key);
      } finally {
        tree.remove();
      }
    }
  });

  it('refuses a host range past the cap before expanding it, naming the file and the range', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['app-[1:100000000]', 'all.hosts.app-[1:100000000]', /host range app-\[1:100000000\] expands to more than 100000 hosts/],
      // each range alone is small; together they multiply
      ['h-[1:1000]-[1:1000]-[1:1000]', 'all.hosts.h-[1:1000]-[1:1000]-[1:1000]', /expands to more than 100000 hosts/],
    ];
    for (const [pattern, key, message] of cases) {
      const tree = fixtureTree({ 'hosts.yml': `all:\n  hosts:\n    ${pattern}:\n` });
      try {
        const started = Date.now();
        const err = inventoryError(() => loadInventory([tree.path('hosts.yml')]));
        expect(err.file).toBe(tree.path('hosts.yml'));
        expect(err.key).toBe(key);
        expect(err.message).toMatch(message);
        // refused from the range's size, not after making its names
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        tree.remove();
      }
    }
  });

  it('caps the hosts of a whole file, ranges expanded; a range at the cap is fine', () => {
    expect(expandHostRange('app-[1:100000]')).toHaveLength(100000);
    const tree = fixtureTree({ 'hosts.yml': 'all:\n  children:\n    a:\n      hosts:\n        a-[1:60000]:\n    b:\n      hosts:\n        b-[1:60000]:\n' });
    try {
      const err = inventoryError(() => loadInventory([tree.path('hosts.yml')]));
      expect(err.file).toBe(tree.path('hosts.yml'));
      expect(err.key).toBe('all.children.b.hosts.b-[1:60000]');
      expect(err.message).toMatch(/lists more than 100000 hosts/);
    } finally {
      tree.remove();
    }
  });

  it('does not mistake an INI-like block scalar inside a YAML inventory for an INI inventory', () => {
    const tree = fixtureTree({ 'hosts.yml': 'all:\n  vars:\n    my_cnf: |\n      [mysqld]\n      port = 3306\n  hosts:\n    h1:\n' });
    try {
      expect(loadInventory([tree.root]).hostVars('h1').my_cnf).toBe('[mysqld]\nport = 3306\n');
    } finally {
      tree.remove();
    }
  });

  it('reports YAML errors in inventories and vars files with file:line:column, and missing sources', () => {
    const tree = fixtureTree({ 'hosts.yml': 'all:\n  hosts:\n    h1:\n', 'group_vars/all.yml': 'a: [1, 2\nb: 3\n', 'bad.yml': 'all:\n\t- x\n' });
    try {
      expect(() => loadInventory([tree.path('hosts.yml')])).toThrow(new RegExp(`${tree.path('group_vars/all.yml')}:\\d+:\\d+: `));
      expect(() => loadInventory([tree.path('bad.yml')])).toThrow(new RegExp(`${tree.path('bad.yml')}:2:1: `));
      expect(() => loadInventory([tree.path('nope.yml')])).toThrow(/nope\.yml: inventory source not found/);
    } finally {
      tree.remove();
    }
  });

  it('refuses a vars file that is not a mapping', () => {
    const tree = fixtureTree({ 'hosts.yml': 'all:\n  hosts:\n    h1:\n', 'host_vars/h1.yml': '- a\n' });
    try {
      expect(() => loadInventory([tree.root])).toThrow(`${tree.path('host_vars/h1.yml')}: a vars file must be a mapping`);
    } finally {
      tree.remove();
    }
  });
});
