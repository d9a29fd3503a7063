import { loadInventory } from '../../src/inventory/inventory';
import { fixtureTree } from './inventory-fixture';

/**
 * One variable `v` defined at every level; each test removes the winner of the previous level
 * to prove the order: inventory-file group vars (all < parent < child) < group_vars/all (inventory
 * < playbook) < group_vars/<group> (inventory < playbook) < inventory-file host vars < host_vars
 * (inventory < playbook).
 */
const INVENTORY = `
all:
  vars: {v: inline-all, only_all: 1}
  children:
    web:
      vars: {v: inline-web}
      children:
        app:
          vars: {v: inline-app}
          hosts:
            app-1: {v: inline-host}
            app-2:
`;

const LEVELS: Record<string, string> = {
  'inventory/group_vars/all.yml': 'v: inv-gv-all\n',
  'playbooks/group_vars/all.yml': 'v: pb-gv-all\n',
  'inventory/group_vars/web.yml': 'v: inv-gv-web\n',
  'inventory/group_vars/app.yml': 'v: inv-gv-app\n',
  'playbooks/group_vars/web.yml': 'v: pb-gv-web\n',
  'inventory/host_vars/app-1.yml': 'v: inv-hv\n',
  'playbooks/host_vars/app-1.yml': 'v: pb-hv\n',
};

function winner(omit: string[], host = 'app-1', inventory = INVENTORY): unknown {
  const files = Object.fromEntries(Object.entries(LEVELS).filter(([path]) => !omit.includes(path)));
  const tree = fixtureTree({ 'inventory/hosts.yml': inventory, ...files });
  try {
    return loadInventory([tree.path('inventory')], { playbookDir: tree.path('playbooks') }).hostVars(host).v;
  } finally {
    tree.remove();
  }
}

describe('variable precedence', () => {
  const order = Object.keys(LEVELS).reverse();

  it('playbook host_vars win over everything', () => {
    expect(winner([])).toBe('pb-hv');
  });

  it('then inventory host_vars, then inline host vars', () => {
    expect(winner(order.slice(0, 1))).toBe('inv-hv');
    expect(winner(order.slice(0, 2))).toBe('inline-host');
  });

  it('playbook group_vars/<group> win over inventory group_vars/<group> even of a deeper group (as in Ansible)', () => {
    expect(winner(order.slice(0, 2), 'app-2')).toBe('pb-gv-web');
  });

  it('among inventory group_vars, the child group wins over its parent', () => {
    expect(winner([...order.slice(0, 2), 'playbooks/group_vars/web.yml'], 'app-2')).toBe('inv-gv-app');
    expect(winner([...order.slice(0, 2), 'playbooks/group_vars/web.yml', 'inventory/group_vars/app.yml'], 'app-2')).toBe('inv-gv-web');
  });

  it('group_vars/all: playbook over inventory, and any group_vars file over inline group vars', () => {
    const noGroupFiles = ['playbooks/group_vars/web.yml', 'inventory/group_vars/app.yml', 'inventory/group_vars/web.yml'];
    expect(winner(noGroupFiles, 'app-2')).toBe('pb-gv-all');
    expect(winner([...noGroupFiles, 'playbooks/group_vars/all.yml'], 'app-2')).toBe('inv-gv-all');
  });

  it('inline group vars: child over parent over all', () => {
    const files = Object.keys(LEVELS);
    expect(winner(files, 'app-2')).toBe('inline-app');
    expect(winner(files, 'app-2', INVENTORY.replace('vars: {v: inline-app}', 'vars: {}'))).toBe('inline-web');
    expect(winner(files, 'app-2', INVENTORY.replace('vars: {v: inline-app}', 'vars: {}').replace('vars: {v: inline-web}', 'vars: {}'))).toBe('inline-all');
  });

  it('orders groups of equal depth by name, and ansible_group_priority before the name', () => {
    const inv = (priority: string) =>
      `all:\n  children:\n    alpha: {vars: {v: alpha${priority}}, hosts: {h: null}}\n    beta: {vars: {v: beta}, hosts: {h: null}}\n`;
    const tree = fixtureTree({ 'a/hosts.yml': inv(''), 'b/hosts.yml': inv(', ansible_group_priority: 10') });
    try {
      expect(loadInventory([tree.path('a/hosts.yml')]).hostVars('h').v).toBe('beta');
      expect(loadInventory([tree.path('b/hosts.yml')]).hostVars('h').v).toBe('alpha');
    } finally {
      tree.remove();
    }
  });

  it('reads group_vars/<name>/ directories (files merged in sorted order) and several extensions', () => {
    const tree = fixtureTree({
      'hosts.yml': 'all:\n  children:\n    app: {hosts: {h: null}}\n',
      'group_vars/app/10-main.yml': 'a: main\nb: main\n',
      'group_vars/app/20-over.yaml': 'b: over\n',
      'group_vars/app/.hidden.yml': 'a: hidden\n',
      'group_vars/app/notes.txt': 'a: text\n',
      'group_vars/all.json': '{"c": "json"}',
      'host_vars/h': 'd: no-extension\n',
    });
    try {
      expect(loadInventory([tree.root]).hostVars('h')).toMatchObject({ a: 'main', b: 'over', c: 'json', d: 'no-extension' });
    } finally {
      tree.remove();
    }
  });

  it('later inventory sources win for the same host and group', () => {
    const tree = fixtureTree({
      'one/hosts.yml': 'all:\n  children:\n    app: {vars: {g: one}, hosts: {h: {x: one}}}\n',
      'two/hosts.yml': 'all:\n  children:\n    app: {vars: {g: two}, hosts: {h: {x: two}}}\n',
    });
    try {
      expect(loadInventory([tree.path('one'), tree.path('two')]).hostVars('h')).toMatchObject({ g: 'two', x: 'two' });
      expect(loadInventory([tree.path('two'), tree.path('one')]).hostVars('h')).toMatchObject({ g: 'one', x: 'one' });
    } finally {
      tree.remove();
    }
  });
});
