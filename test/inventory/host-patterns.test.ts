import { globMatcher, matchPattern, splitPattern } from '../../src/inventory/host-patterns';
import type { PatternSource } from '../../src/inventory/host-patterns';

/** A small inventory: web = app + logs; db apart; one ungrouped host. */
const GROUPS: Record<string, string[]> = {
  app: ['app-1', 'app-2', 'app-3'],
  logs: ['logs-1'],
  web: ['app-1', 'app-2', 'app-3', 'logs-1'],
  db: ['db-1', 'app-3'],
  ungrouped: ['misc'],
};
const HOSTS = ['misc', 'app-1', 'app-2', 'app-3', 'logs-1', 'db-1'];
const source: PatternSource = {
  hosts: () => HOSTS,
  groups: () => ['all', ...Object.keys(GROUPS)],
  hostsOf: (g) => (g === 'all' ? HOSTS : HOSTS.filter((h) => GROUPS[g]?.includes(h))),
};
const select = (pattern: string): string[] => matchPattern(pattern, source).hosts;

describe('host patterns', () => {
  it('matches all and *', () => {
    expect(select('all')).toEqual(HOSTS);
    expect(select('*')).toEqual(HOSTS);
  });

  it('matches host names and group names', () => {
    expect(select('app-2')).toEqual(['app-2']);
    expect(select('app')).toEqual(['app-1', 'app-2', 'app-3']);
    expect(select('ungrouped')).toEqual(['misc']);
  });

  it('unions with : and , keeping inventory order without duplicates', () => {
    expect(select('db:logs')).toEqual(['app-3', 'logs-1', 'db-1']);
    expect(select('db,logs')).toEqual(['app-3', 'logs-1', 'db-1']);
    expect(select('logs, app-1 ,db')).toEqual(['app-1', 'app-3', 'logs-1', 'db-1']);
  });

  it('intersects with &', () => {
    expect(select('app:&db')).toEqual(['app-3']);
    expect(select('web:&app:&db')).toEqual(['app-3']);
  });

  it('excludes with !', () => {
    expect(select('web:!app')).toEqual(['logs-1']);
    expect(select('all:!web:!db')).toEqual(['misc']);
  });

  it('applies unions, then intersections, then exclusions, whatever the order', () => {
    expect(select('!app-1:&web:app')).toEqual(['app-2', 'app-3']);
    expect(select('!web')).toEqual(['misc', 'db-1']);
    expect(select('&db')).toEqual(['app-3', 'db-1']);
  });

  it('matches globs on host and group names', () => {
    expect(select('app-*')).toEqual(['app-1', 'app-2', 'app-3']);
    expect(select('app-[12]')).toEqual(['app-1', 'app-2']);
    expect(select('app-[!12]')).toEqual(['app-3']);
    expect(select('?ogs-1')).toEqual(['logs-1']);
    expect(select('l*')).toEqual(['logs-1']);
    expect(select('d*:&app*')).toEqual(['app-3']);
  });

  it('matches ~regex on host and group names', () => {
    expect(select('~^app-[23]$')).toEqual(['app-2', 'app-3']);
    expect(select('~(logs|db)-1')).toEqual(['logs-1', 'db-1']);
    expect(() => select('~(')).toThrow(/invalid regular expression in host pattern/);
  });

  it('picks hosts of a group by subscript (inclusive ranges, negative indexes)', () => {
    expect(select('app[0]')).toEqual(['app-1']);
    expect(select('app[-1]')).toEqual(['app-3']);
    expect(select('app[0:1]')).toEqual(['app-1', 'app-2']);
    expect(select('app[1:2]')).toEqual(['app-2', 'app-3']);
  });

  it('reports the parts that matched nothing', () => {
    expect(matchPattern('app:nope:&web:!ghost*', source)).toEqual({ hosts: ['app-1', 'app-2', 'app-3'], unmatched: ['nope', 'ghost*'] });
    expect(matchPattern('app[9]', source)).toEqual({ hosts: [], unmatched: ['app[9]'] });
    expect(matchPattern('web', source).unmatched).toEqual([]);
  });

  it('splits patterns without breaking subscripts or regexes', () => {
    expect(splitPattern('a:b,c:&d:!e')).toEqual(['a', 'b', 'c', '&d', '!e']);
    expect(splitPattern('app[0:2]:db')).toEqual(['app[0:2]', 'db']);
    expect(splitPattern('~a:b')).toEqual(['~a:b']);
  });

  it('implements fnmatch globs literally apart from * ? [ ]', () => {
    expect(globMatcher('a.b*')('a.bc')).toBe(true);
    expect(globMatcher('a.b*')('axbc')).toBe(false);
    expect(globMatcher('h?')('h1')).toBe(true);
    expect(globMatcher('h?')('h12')).toBe(false);
  });
});
