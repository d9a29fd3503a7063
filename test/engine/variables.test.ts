import { PRECEDENCE, factVars, mergeVars, type VarLayers } from '../../src/engine/run/variables';

describe('variable precedence', () => {
  test('each layer overrides every layer below it', () => {
    // every layer defines x; dropping the highest layers one by one must expose the next one down
    const layers: VarLayers = Object.fromEntries(PRECEDENCE.map((layer) => [layer, { x: layer }]));
    for (let top = PRECEDENCE.length - 1; top >= 0; top--) {
      const kept = Object.fromEntries(PRECEDENCE.slice(0, top + 1).map((layer) => [layer, layers[layer]]));
      expect(mergeVars(kept).x).toBe(PRECEDENCE[top]);
    }
  });

  test("Ansible's order, lowest first", () => {
    expect(PRECEDENCE).toEqual(['roleDefaults', 'inventory', 'hostVars', 'facts', 'play', 'role', 'task', 'hostFacts', 'extra']);
  });

  test('extra vars always win; lower layers fill what higher ones leave out', () => {
    const merged = mergeVars({ roleDefaults: { port: 80, user: 'www' }, play: { port: 8080 }, hostFacts: { port: 9090 }, extra: { port: 1 } });
    expect(merged).toEqual({ port: 1, user: 'www' });
  });

  test('dicts are replaced, not merged (hash_behaviour = replace)', () => {
    expect(mergeVars({ roleDefaults: { cfg: { a: 1, b: 2 } }, play: { cfg: { a: 3 } } }).cfg).toEqual({ a: 3 });
  });

  test('facts are exposed as ansible_facts and as ansible_<name>', () => {
    expect(factVars({ hostname: 'app-1', processor_count: 2 })).toEqual({
      ansible_facts: { hostname: 'app-1', processor_count: 2 },
      ansible_hostname: 'app-1',
      ansible_processor_count: 2,
    });
    expect(factVars(undefined)).toEqual({});
  });
});
