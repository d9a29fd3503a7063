import { existsSync } from 'node:fs';
import path from 'node:path';
import { filesUnder, readYaml, REPO, ROLES } from './site-files';

/** The site's YAML hangs together: files parse, and everything a task names exists. */

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

const yamlFiles = [ROLES, path.join(REPO, 'playbooks'), path.join(REPO, 'inventory', 'lab')].flatMap((dir) => filesUnder(dir, ['.yml', '.yaml']));
const site = readYaml(path.join(REPO, 'playbooks', 'site.yml')) as Dict[];
const roleEntries = site.flatMap((play) => ((play.roles as Dict[] | undefined) ?? []).map((entry) => ({ play, entry })));

/** Every task of a role's task files, blocks flattened, with the file it is in. */
function roleTasks(role: string): { file: string; task: Dict }[] {
  const flatten = (tasks: unknown, file: string): { file: string; task: Dict }[] =>
    (Array.isArray(tasks) ? tasks : []).filter(isDict).flatMap((task) => [
      { file, task },
      ...['block', 'rescue', 'always'].flatMap((key) => flatten(task[key], file)),
    ]);
  return filesUnder(path.join(ROLES, role, 'tasks'), ['.yml']).flatMap((file) => flatten(readYaml(file), file));
}

const roles = [...new Set(roleEntries.map(({ entry }) => entry.role as string))];

describe('site content', () => {
  test.each(yamlFiles.map((f) => [path.relative(REPO, f), f]))('%s parses as YAML', (_name, file) => {
    expect(() => readYaml(file)).not.toThrow();
  });

  test.each(roles)('role %s has tasks/main.yml and defaults', (role) => {
    expect(existsSync(path.join(ROLES, role, 'tasks', 'main.yml'))).toBe(true);
    expect(existsSync(path.join(ROLES, role, 'defaults', 'main.yml'))).toBe(true);
  });

  test.each(roles)('role %s: every template, include and static file it names exists', (role) => {
    const missing: string[] = [];
    for (const { file, task } of roleTasks(role)) {
      const where = `${path.relative(REPO, file)}: ${String(task.name ?? '(unnamed)')}`;
      const template = isDict(task.template) ? String(task.template.src) : undefined;
      if (template && !existsSync(path.join(ROLES, role, 'templates', template))) missing.push(`${where}: template ${template}`);
      const include = typeof task.include_tasks === 'string' ? task.include_tasks : undefined;
      if (include && !existsSync(path.join(ROLES, role, 'tasks', include))) missing.push(`${where}: include ${include}`);
      const copySrc = isDict(task.copy) && typeof task.copy.src === 'string' ? task.copy.src : undefined;
      if (copySrc && !copySrc.includes('{{') && !existsSync(path.join(ROLES, role, 'files', copySrc))) missing.push(`${where}: file ${copySrc}`);
    }
    expect(missing).toEqual([]);
  });

  test('the app role copies every file of app/ that the app loads, and only those', () => {
    const defaults = readYaml(path.join(ROLES, 'app', 'defaults', 'main.yml')) as Dict;
    const shipped = (defaults.app_files as string[]).slice().sort();
    const appDir = path.join(REPO, 'app');
    const present = filesUnder(appDir, ['.rb', '.ru', '.csv', 'VERSION'])
      .map((f) => path.relative(appDir, f))
      .filter((f) => !f.startsWith('test/'))
      .sort();
    expect(shipped).toEqual(present);
  });

  test('one tag per role, and the patch flow (rolling patch) is tagged common, the full restart app', () => {
    for (const { entry } of roleEntries) {
      const tags = ([] as string[]).concat(entry.tags as string | string[]);
      expect(tags).toHaveLength(1);
      if (entry.role === 'rolling') {
        const action = (entry.vars as Dict).rolling_action;
        expect(tags[0]).toBe(action === 'patch' ? 'common' : 'app');
      } else {
        expect(tags[0]).toBe(entry.role);
      }
    }
  });

  test('every play that takes app hosts out of the load balancer does it one host at a time and stops on a failure', () => {
    const rollingOnApps = site.filter((play) => play.hosts === 'app' && ((play.roles as Dict[]) ?? []).some((r) => r.role === 'rolling'));
    expect(rollingOnApps).toHaveLength(2);
    for (const play of rollingOnApps) {
      expect(play.serial).toBe(1);
      expect(play.max_fail_percentage).toBe(0);
    }
  });
});
