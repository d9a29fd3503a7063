import { execFileSync } from 'node:child_process';
import {
  addSource,
  dumpSources,
  parseSourceLine,
  parseSourcesFiles,
  removeSource,
  repoSource,
  suggestFilename,
} from '../../src/modules/commands/apt-sources';

/**
 * ansible-core's own apt_repository code (installed here) is the oracle: the same lines through its
 * SourcesList must give the same file names and the same rewritten files.
 */
const ORACLE = `
import json, sys
from ansible.modules.apt_repository import SourcesList
class M:
    params = {'filename': None}
    def log(self, *a): pass
req = json.load(sys.stdin)
s = object.__new__(SourcesList)
s.module = M(); s.module.params = {'filename': req.get('filename')}
s.files = {}; s.new_repos = set(); s.default_file = '/etc/apt/sources.list'
s._apt_cfg_dir = staticmethod(lambda spec: '/etc/apt/sources.list.d')
for path, text in req['files'].items():
    s.files[path] = [(n,) + s._parse(line) for n, line in enumerate(text.splitlines(True))]
out = {'names': [s._suggest_filename(s._parse(l)[2]) for l in req['lines']]}
if req.get('state') == 'present': s.add_source(req['repo'])
elif req.get('state') == 'absent': s.remove_source(req['repo'])
out['dump'] = s.dump()
print(json.dumps(out))
`;

/** The interpreter ansible-playbook runs on (Debian's ansible-core is installed for it). */
const PYTHON = '/usr/bin/python3';

interface OracleRequest {
  files?: Record<string, string>;
  lines?: string[];
  filename?: string;
  state?: 'present' | 'absent';
  repo?: string;
}

function ansible(request: OracleRequest): { names: string[]; dump: Record<string, string> } {
  const out = execFileSync(PYTHON, ['-c', ORACLE], { input: JSON.stringify({ files: {}, lines: [], ...request }) });
  return JSON.parse(out.toString());
}

const LINES = [
  'deb http://nginx.org/packages/debian bookworm nginx',
  'deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/debian bookworm stable',
  'deb-src https://user:secret@repo.example.org:8443/debian/ bookworm main contrib',
  'deb [trusted=yes] file:/srv/lab-apt ./',
  'deb   http://deb.debian.org/debian    bookworm-backports   main',
];

describe('apt_repository file names (Ansible _suggest_filename)', () => {
  it('derives the same .list name as ansible-core for each repo line', () => {
    const ours = LINES.map((l) => suggestFilename(repoSource(l)));
    expect(ours).toEqual([
      'nginx_org_packages_debian.list',
      'download_docker_com_linux_debian.list',
      'repo_example_org_8443_debian.list',
      'file_srv_lab_apt.list',
      'deb_debian_org_debian.list',
    ]);
    expect(ours).toEqual(ansible({ lines: LINES }).names);
  });

  it('uses filename as given, with .list added', () => {
    expect(suggestFilename(repoSource(LINES[0]), 'nginx')).toBe('nginx.list');
  });

  it('refuses a line that is not a source, and a disabled one', () => {
    expect(() => repoSource('http://nginx.org/packages/debian bookworm nginx')).toThrow(/Invalid repository string/);
    expect(() => repoSource('# deb http://x/ y main')).toThrow(/Invalid repository string/);
  });
});

describe('apt_repository edits (Ansible SourcesList add/remove/dump)', () => {
  const files = {
    '/etc/apt/sources.list': '#deb http://old/ bookworm main\ndeb  http://deb.debian.org/debian bookworm main # the main one\n\n',
    '/etc/apt/sources.list.d/extra.list': 'deb http://extra/ bookworm main\n',
    '/etc/apt/sources.list.d/empty.list': '',
  };
  const parsed = () => parseSourcesFiles(new Map(Object.entries(files)));
  const dump = (edit: { files: ReturnType<typeof parsed> }) => Object.fromEntries(dumpSources(edit.files));

  it('appends a new repo to its own file, normalizing the others as Ansible writes them', () => {
    const repo = 'deb http://nginx.org/packages/debian bookworm nginx';
    const edit = addSource(parsed(), repoSource(repo), suggestFilename(repoSource(repo)));
    expect(dump(edit)).toEqual(ansible({ files, state: 'present', repo }).dump);
    expect([...edit.added]).toEqual(['/etc/apt/sources.list.d/nginx_org_packages_debian.list']);
    expect(dump(edit)['/etc/apt/sources.list']).toBe('# deb http://old/ bookworm main\ndeb http://deb.debian.org/debian bookworm main # the main one\n\n');
  });

  it('re-enables a commented-out source in place instead of adding it', () => {
    const repo = 'deb http://old/ bookworm main';
    const edit = addSource(parsed(), repoSource(repo), 'ignored.list');
    expect(edit.added.size).toBe(0);
    expect(dump(edit)).toEqual(ansible({ files, state: 'present', repo }).dump);
  });

  it('removes every enabled line of the source; a file left empty disappears', () => {
    const repo = 'deb http://extra/  bookworm main';
    const edit = removeSource(parsed(), repoSource(repo));
    expect(dump(edit)).toEqual(ansible({ files, state: 'absent', repo }).dump);
    expect(dump(edit)['/etc/apt/sources.list.d/extra.list']).toBeUndefined();
  });

  it('parses a disabled line with a trailing comment like Ansible', () => {
    expect(parseSourceLine('  # deb http://x/ y main #note')).toEqual({ valid: true, enabled: false, source: 'deb http://x/ y main', comment: 'note' });
  });
});
