import { checkUndefinedVariables } from '../../src/engine/playbook/undefined-vars';
import { renderValue } from '../../src/lang/templates';
import { parseYaml } from '../../src/data/yaml-loader';
import { projectPerTest } from './harness';

const project = projectPerTest();

const { lines, playbook } = project;

describe('!unsafe', () => {
  test('is never templated: task arguments, nested play vars, and variables that refer to them', async () => {
    playbook(`
- hosts: all
  gather_facts: false
  vars:
    literal: !unsafe "{{ not_a_var }}"
    nested: { deeper: [ !unsafe "{{#each x}}{{{y}}}{{/each}}" ] }
    refers: "[{{ literal }}]"
  tasks:
    - name: write
      copy:
        dest: "{{ dir }}/unsafe.txt"
        content: "{{ literal }}|{{ nested.deeper[0] }}|{{ refers }}\\n"
    - name: show
      debug: { msg: !unsafe "raw {{ undefined_thing }}" }
`);
    const run = await project.run(['h1']);
    expect(run.exitCode).toBe(0);
    expect(lines('unsafe.txt')).toEqual(['{{ not_a_var }}|{{#each x}}{{{y}}}{{/each}}|[{{ not_a_var }}]']);
    expect(run.hostResults('show')[0].result).toEqual({ msg: 'raw {{ undefined_thing }}' });
    expect(() => checkUndefinedVariables(project.load(), { inventory: ['dir'], extra: [] })).not.toThrow();
  });

  test('any text comes back as written, Handlebars-looking or not', () => {
    const texts = ['{{ a }}', '{{{a}}}', '{{a~}}', 'x {{#if y}}z{{/if}}', '{{', '}} {{', "{{ '{{' }}"];
    for (const text of texts) {
      const value = parseYaml(`v: !unsafe ${JSON.stringify(text)}\n`, 'f.yml') as { v: string };
      expect(renderValue(value.v, {}, { file: 'f.yml' })).toBe(text);
    }
  });
});
