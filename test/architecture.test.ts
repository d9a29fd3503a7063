import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The layering of docs/architecture.md, enforced: each folder of src/ (and stacks/) may import
 * only the folders listed for it. A new arrow pointing up fails here, naming file and import.
 */
const ROOT = path.resolve(__dirname, '..');

const MAY_IMPORT: Record<string, readonly string[]> = {
  'src/cli': ['src/engine', 'src/lab', 'src/bridge', 'src/inventory', 'src/modules', 'src/transport', 'src/lang', 'src/data', 'src/vault', 'src/contract', 'src/base'],
  'src/lab': ['src/bridge', 'src/contract', 'src/base'],
  'src/engine': ['src/modules', 'src/lang', 'src/inventory', 'src/transport', 'src/data', 'src/vault', 'src/base'],
  'src/inventory': ['src/data', 'src/vault', 'src/base'],
  'src/modules': ['src/transport', 'src/contract', 'src/data', 'src/base'],
  'src/lang': ['src/data', 'src/vault', 'src/base'],
  'src/bridge': ['src/contract', 'src/base'],
  'src/transport': ['src/base'],
  'src/data': ['src/vault', 'src/base'],
  'src/vault': ['src/base'],
  'src/contract': [],
  'src/base': [],
  stacks: ['src/contract'],
  'main.ts': ['stacks'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** The layer a repository path belongs to: a folder of MAY_IMPORT, or undefined outside them. */
function layerOf(file: string): string | undefined {
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  return Object.keys(MAY_IMPORT).find((layer) => rel === layer || rel.startsWith(`${layer}/`));
}

interface Arrow {
  from: string;
  specifier: string;
  to: string | undefined;
}

/** Every relative import of a file (static, dynamic, `import type`, re-exports), resolved to its layer. */
function arrows(file: string): Arrow[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((ref) => ref.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ from: file, specifier, to: layerOf(path.resolve(path.dirname(file), specifier)) }));
}

const files = [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'stacks')), path.join(ROOT, 'main.ts')];

describe('architecture: every arrow points down', () => {
  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(150);
    for (const file of files) expect(layerOf(file)).toBeDefined();
  });

  it.each(Object.keys(MAY_IMPORT))('%s imports only the layers below it', (layer) => {
    const allowed = new Set([layer, ...MAY_IMPORT[layer]]);
    const wrong = files
      .filter((file) => layerOf(file) === layer)
      .flatMap(arrows)
      .filter((arrow) => arrow.to === undefined || !allowed.has(arrow.to))
      .map((arrow) => `${path.relative(ROOT, arrow.from)} imports '${arrow.specifier}' (${arrow.to ?? 'outside every layer'})`);
    expect(wrong).toEqual([]);
  });

  it('inside the engine, playbook/ uses neither run/ nor output/, and output/ does not use run/', () => {
    const engine = path.join(ROOT, 'src/engine');
    const part = (file: string) => path.relative(engine, file).split(path.sep)[0];
    const below: Record<string, readonly string[]> = { playbook: ['run', 'output'], output: ['run'] };
    const wrong = files
      .filter((file) => layerOf(file) === 'src/engine' && part(file) in below)
      .flatMap(arrows)
      .filter((arrow) => below[part(arrow.from)].includes(part(path.resolve(path.dirname(arrow.from), arrow.specifier))))
      .map((arrow) => `${path.relative(ROOT, arrow.from)} imports '${arrow.specifier}'`);
    expect(wrong).toEqual([]);
  });

  it('the transport names no Ansible variable', () => {
    const named = files
      .filter((file) => layerOf(file) === 'src/transport')
      .filter((file) => /\bansible_/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(ROOT, file));
    expect(named).toEqual([]);
  });

  it('the infrastructure reaches play only through the contract', () => {
    const infra = files.filter((file) => ['stacks', 'main.ts'].includes(layerOf(file) ?? ''));
    const packages = infra.flatMap((file) => ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((ref) => ref.fileName));
    expect(packages.filter((name) => ['ssh2', 'handlebars', 'commander', 'ssh-config'].includes(name))).toEqual([]);
  });
});
