import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { YamlSource } from '../../src/engine/playbook/yaml-source';
import { locate } from '../../src/data/yaml-loader';

let dir = '';
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'yaml-source-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a file read again in the same run is parsed once, its source lines kept', () => {
  const file = path.join(dir, 'tasks.yml');
  writeFileSync(file, '- name: one\n  debug: { msg: hi }\n');
  const options = {};
  const first = new YamlSource(options).read(file) as Array<Record<string, unknown>>;
  const again = new YamlSource(options).read(file);
  expect(again).toBe(first);
  expect(locate(first[0])).toEqual({ file, line: 1, column: 3 });
  // another run (other load options) parses for itself
  expect(new YamlSource({}).read(file)).not.toBe(first);
});

test('a file changed since it was read (same size, same second) is read again', () => {
  const file = path.join(dir, 'tasks.yml');
  writeFileSync(file, '- debug: { msg: aa }\n');
  const options = {};
  const source = new YamlSource(options);
  expect(source.read(file)).toEqual([{ debug: { msg: 'aa' } }]);
  writeFileSync(file, '- debug: { msg: bb }\n');
  expect(source.read(file)).toEqual([{ debug: { msg: 'bb' } }]);
});
