import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { labDown, labDrops, labPublishUpdate, labReplaceHost, labUp, type LabInfo } from '../../src/lab';
import { ssh, sshOk, waitUntil } from '../support/lab-ssh';
import { missingWrites, startLoad, type AcknowledgedWrite, type LoadReport } from './support/load-loop';
import { changedTasks, failures, hostResults, runPlay, type PlayRun } from './support/play-cli';
import { comparableEvents } from './support/event-stream';
import { createSiteProject, type SiteProject } from './support/site-project';
import { synthStackFile, type StackFile } from '../support/stack-file';
import { labLeftovers } from '../support/lab-leftovers';
import { labLayout } from '../../src/lab/layout';

/*
 * The site, molecule style, on a lab built from the staging stack (synthesized from its template,
 * security groups enforced): converge, idempotence, verify, patch, deploy, scale, replacement,
 * faults, check mode. The steps run in order on one lab and build on each other (a failed
 * converge fails everything after it). `play` is the built CLI, run as an operator runs it.
 * Changes to the stack go the real way: edit the environment, synthesize, `lab up` again.
 * Figures (times, request counts) are printed at the end. The site keeps its catalog in the lab's
 * PostgreSQL (the stand-in for RDS): every load below writes as well as reads, and every write the
 * app acknowledged is looked for afterwards.
 */

const NAME = 'e2e';
const APPS = ['app-1', 'app-2'];
const DB = 'db';
const figures: Record<string, unknown> = {};
/** Every write the app acknowledged during the sequence: none may ever go missing. */
const acknowledged: AcknowledgedWrite[] = [];
let lab: LabInfo;
let project: SiteProject;
let stack: StackFile;

/** The staging environment with `app` set so, synthesized over the previous stack, then the lab brought in line. */
async function deployStack(app: { count: number; outOfService?: string[] }): Promise<LabInfo> {
  synthStackFile('staging', { app: { instanceType: 't3.small', ...app } }, stack.dir);
  lab = await labUp({ name: NAME, stack: stack.file });
  return lab;
}

const exec = promisify(execFile);
const on = (host: string, command: string) => sshOk(lab.sshConfigFile, host, command);
const onAll = (hosts: string[], command: string) => Promise.all(hosts.map((h) => on(h, command)));
const appHosts = () => lab.hosts.filter((h) => h.role === 'app').map((h) => h.name);
const collector = () => lab.hosts.find((h) => h.role === 'logs')!;

/** A run of the built CLI; no run may ever print a vaulted secret, whatever else it does. */
async function play(args: string[], options: { onEvent?: Parameters<typeof runPlay>[1]['onEvent'] } = {}): Promise<PlayRun> {
  const inventory = ['-i', lab.inventoryDir, '-i', `${project.dir}/inventory/lab`];
  const run = await runPlay([args[0], ...inventory, '--vault-password-file', project.vaultPasswordFile, ...args.slice(1)], { cwd: project.dir, ...options });
  expect({ args, hostedToken: run.output.includes(project.hostedToken), databasePassword: run.output.includes(project.databasePassword) }).toEqual({ args, hostedToken: false, databasePassword: false });
  return run;
}

/** What a load must have sent to count (every 4th a write): more than 100 requests, more than 20 writes. */
const MIN_REQUESTS = 120;

/** Reads and writes through the load balancer for the length of `during`; the report and the writes it acknowledged, checked afterwards. */
async function underLoad<T>(read: string, during: () => Promise<T>, intervalMs?: number): Promise<{ result: T; report: LoadReport }> {
  const load = startLoad(lab.loadBalancer.url, { read, writeEvery: 4, intervalMs, maxMs: 900_000 });
  let result: T;
  let report: LoadReport;
  try {
    result = await during();
  } finally {
    report = await load.stop(MIN_REQUESTS);
    acknowledged.push(...report.writes.acknowledged);
  }
  return { result, report };
}

/** What a load did, for the figures. */
const served = (report: LoadReport) => ({ requests: report.sent, failed: report.failed, writes: report.writes.sent, acknowledgedWrites: report.writes.acknowledged.length, slowestMs: report.slowestMs });

/** No failed request, real writes among them, and every acknowledged write (of the whole sequence) still there. */
async function expectNothingLost(report: LoadReport): Promise<void> {
  expect({ failed: report.failed, samples: report.samples }).toEqual({ failed: 0, samples: [] });
  expect(report.sent).toBeGreaterThan(100);
  expect(report.writes.acknowledged.length).toBeGreaterThan(20);
  expect(await missingWrites(lab.loadBalancer.url, acknowledged)).toEqual([]);
}

/** A run that must succeed on every host; the assertion message lists what failed. */
function expectClean(run: PlayRun): void {
  expect({ code: run.code, failures: failures(run), tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({ code: 0, failures: [], tail: '' });
}

async function lbGet(path = '/'): Promise<{ status: number; host: string; version: string }> {
  const response = await fetch(new URL(path, lab.loadBalancer.url), { signal: AbortSignal.timeout(5000) });
  await response.arrayBuffer();
  return { status: response.status, host: response.headers.get('x-served-by') ?? '?', version: response.headers.get('x-app-version') ?? '?' };
}

/** Which hosts (and versions) answer `count` requests through the load balancer. */
async function lbSpread(count: number): Promise<{ hosts: Set<string>; versions: Set<string> }> {
  const replies = [];
  for (let i = 0; i < count; i += 1) replies.push(await lbGet('/search?q=austen'));
  expect(replies.filter((r) => r.status !== 200)).toEqual([]);
  return { hosts: new Set(replies.map((r) => r.host)), versions: new Set(replies.map((r) => r.version)) };
}

const sorted = (values: Iterable<string>) => [...values].sort();

/**
 * Until the load balancer has answered from each of `hosts`. The stack's health check runs every
 * 10 s and wants 2 passes, so a host that just became healthy joins within about 20 s.
 */
async function untilServed(hosts: string[], timeoutMs = 90_000): Promise<void> {
  const seen = new Set<string>();
  await waitUntil(`the load balancer to serve ${hosts.join(', ')}`, timeoutMs, async () => {
    const reply = await lbGet('/search?q=austen').catch(() => undefined);
    if (reply?.status === 200) seen.add(reply.host);
    return hosts.every((host) => seen.has(host)) ? true : undefined;
  });
}

/** Writes a unique line to syslog on each host, then waits until the collector filed it under that host. */
async function logsArrive(hosts: string[], tag: string, timeoutMs: number): Promise<void> {
  const nonces = Object.fromEntries(hosts.map((h) => [h, `${tag}-${h}-${randomBytes(6).toString('hex')}`]));
  await Promise.all(hosts.map((h) => on(h, `logger -t e2e ${nonces[h]}`)));
  await waitUntil(`log lines from ${hosts.join(', ')} on the collector`, timeoutMs, async () => {
    const found = await Promise.all(hosts.map((h) => ssh(lab.sshConfigFile, collector().name, `sudo grep -c ${nonces[h]} /var/log/remote/${h}/messages.log`)));
    return found.every((r) => r.code === 0) ? true : undefined;
  });
}

/** The switch port of an app host on the private network: down, the host vanishes mid-connection. */
function switchPort(host: string): string[] {
  const port = lab.hosts.find((h) => h.name === host)!.switchPort;
  return ['-n', port.netns, 'link', 'set', port.link];
}

beforeAll(async () => {
  await labDown({ name: NAME }); // a lab left by an aborted earlier run
  stack = synthStackFile('staging');
  const started = Date.now();
  lab = await labUp({ name: NAME, stack: stack.file });
  figures.labUpSeconds = (Date.now() - started) / 1000;
  project = createSiteProject(lab.inventoryDir, { name: collector().name, address: collector().privateAddress });
}, 900_000);

afterAll(async () => {
  if (lab) await exec('ip', [...switchPort('app-2'), 'up']).catch(() => undefined);
  await labDown({ name: NAME });
  project?.cleanup();
  stack?.cleanup();
  process.stdout.write(`\nsite e2e figures:\n${JSON.stringify(figures, null, 2)}\n`);
  expect(labLeftovers(labLayout(NAME))).toEqual([]);
}, 300_000);

describe('site on the lab', () => {
  test('1. converge: play site from fresh hosts succeeds', async () => {
    const run = await play(['site']);
    figures.convergeSeconds = run.seconds;
    expectClean(run);
    expect(sorted(Object.keys(run.recap))).toEqual(sorted(['bastion', 'logs', DB, ...APPS]));
  });

  test('2. idempotence: a second play site changes nothing on any host, with probes batched or one at a time alike', async () => {
    const run = await play(['site']);
    figures.idempotentSeconds = run.seconds;
    expectClean(run);
    expect(changedTasks(run)).toEqual([]);
    for (const [host, stats] of Object.entries(run.recap)) expect({ host, changed: stats.changed }).toEqual({ host, changed: 0 });
    const unbatched = await play(['site', '--no-probe-batching']);
    expectClean(unbatched);
    expect(comparableEvents(run)).toEqual(comparableEvents(unbatched));
  });

  describe('3. verify', () => {
    test('the load balancer spreads requests over every app host; /health is 200 on each', async () => {
      await untilServed(APPS);
      expect(sorted((await lbSpread(20)).hosts)).toEqual(APPS);
      const health = await onAll(APPS, `python3 -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1/health').status)"`);
      expect(health.map((h) => h.trim())).toEqual(APPS.map(() => '200'));
    });

    test('nginx runs with a valid configuration', async () => {
      const states = await onAll(APPS, 'sudo nginx -t -q && systemctl is-active nginx');
      expect(states.map((s) => s.trim())).toEqual(APPS.map(() => 'active'));
    });

    test('Puma runs one worker per CPU, as the app user', async () => {
      for (const host of APPS) {
        // Anchored patterns: the shell running this command line mentions puma too.
        const [cpus, configured, workers, allPuma, appPuma] = (
          await on(host, "nproc; sed -n 's/^workers //p' /etc/bookshelf/puma.rb; pgrep -c -u bookshelf -f '^puma: cluster worker'; pgrep -c -f '^puma'; pgrep -c -u bookshelf -f '^puma'")
        ).trim().split('\n');
        expect({ host, configured, workers, masterAndWorkers: allPuma, asAppUser: appPuma }).toEqual({
          host,
          configured: cpus,
          workers: cpus,
          masterAndWorkers: String(Number(cpus) + 1),
          asAppUser: String(Number(cpus) + 1),
        });
      }
    });

    test('the collector has recent lines from every app host and the bastion, over TLS only', async () => {
      await logsArrive([...APPS, 'bastion'], 'verify', 60_000);
      const listening = await on(collector().name, "ss -Hltun | awk '{print $1, $5}'");
      expect(listening).toMatch(/^tcp .*:6514$/m);
      expect(listening).not.toMatch(/:514$/m);
      for (const host of APPS) expect(await on(host, "ss -Htn state established '( dport = :6514 )' | wc -l")).not.toBe('0\n');
      // A client speaking plain TCP to the TLS port is not filed.
      const plain = `plain-${randomBytes(6).toString('hex')}`;
      await on(APPS[0], `logger --tcp -n ${collector().privateAddress} -P 6514 -t e2e ${plain} || true`);
      await logsArrive([APPS[0]], 'after-plain', 60_000);
      expect((await ssh(lab.sshConfigFile, collector().name, `sudo grep -rc ${plain} /var/log/remote`)).stdout).not.toMatch(/:[1-9]/);
    });

    test('the vault token reached the hosts in a root-only file and never the output', async () => {
      for (const host of APPS) {
        expect(await on(host, 'sudo stat -c %a /etc/rsyslog.d/61-hosted.conf')).toBe('600\n');
        expect(await on(host, `sudo grep -c ${project.hostedToken} /etc/rsyslog.d/61-hosted.conf`)).toBe('1\n');
      }
      const run = await play(['site', '--tags', 'rsyslog', '--diff']);
      expectClean(run);
      expect(run.output).not.toContain(project.hostedToken);
    });

    test('sshd refuses passwords and root, and admits the admin by key', async () => {
      for (const host of APPS) {
        const effective = await on(host, 'sudo sshd -T -C user=root,host=x,addr=127.0.0.1 | grep -E "^(passwordauthentication|permitrootlogin|kbdinteractiveauthentication) "');
        expect(sorted(effective.trim().split('\n'))).toEqual(['kbdinteractiveauthentication no', 'passwordauthentication no', 'permitrootlogin no']);
      }
      const base = ['-F', lab.sshConfigFile, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=5'];
      const attempt = (args: string[]) => exec('ssh', [...base, ...args, 'true']).then(() => 'accepted', (err: { stderr: string }) => err.stderr);
      expect(await attempt(['-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive', APPS[0]])).toMatch(/Permission denied \(publickey\)/);
      // root with a key root really has: still refused
      await on(APPS[0], 'sudo install -d -m 700 /root/.ssh && cat ~/.ssh/authorized_keys | sudo tee /root/.ssh/authorized_keys >/dev/null');
      try {
        expect(await attempt(['-l', 'root', APPS[0]])).toMatch(/Permission denied/);
      } finally {
        await on(APPS[0], 'sudo rm -f /root/.ssh/authorized_keys');
      }
      expect(await attempt(['-l', project.adminUser, '-i', project.adminKeyFile, '-o', 'IdentitiesOnly=yes', APPS[0]])).toBe('accepted');
      expect((await exec('ssh', [...base, '-l', project.adminUser, '-i', project.adminKeyFile, '-o', 'IdentitiesOnly=yes', APPS[0], 'sudo -n id -u'])).stdout).toBe('0\n');
    });

    test('the database: the app reaches it over verified TLS only, from the app hosts only; its credential sits in root-only files', async () => {
      const db = lab.hosts.find((h) => h.name === DB)!;
      await lbSpread(10); // every app worker has a pooled connection by now
      const sessions = await on(DB, `sudo -u postgres psql -tAc "select count(*), bool_and(s.ssl) from pg_stat_activity a join pg_stat_ssl s using (pid) where a.usename = 'bookshelf'"`);
      const [count, allTls] = sessions.trim().split('|');
      expect({ connections: Number(count) > 0, allTls }).toEqual({ connections: true, allTls: 't' });
      for (const host of APPS) expect(await on(host, 'sudo stat -c "%U %a" /etc/bookshelf/database.json')).toBe('root 600\n');
      expect(await on(DB, 'sudo grep -c "^host " /etc/postgresql/15/main/pg_hba.conf || true')).toBe('0\n');
      expect((await on(DB, 'systemctl is-enabled database-dump.timer; systemctl is-active database-dump.timer')).trim().split('\n')).toEqual(['enabled', 'active']);
      // The bastion is not in the app hosts' group: its connection to 5432 is dropped by the database's security group.
      const probe = await ssh(lab.sshConfigFile, 'bastion', `timeout 4 bash -c '</dev/tcp/${db.privateAddress}/5432' && echo open || echo closed`);
      expect(probe.stdout.trim()).toBe('closed');
      expect(await labDrops({ name: NAME })).toContainEqual(expect.stringMatching(/^bastion \(.*\) → db \(.*\) tcp\/5432: \d+ packets? dropped/));
    });

    test('unattended-upgrades is enabled; journald is persistent; time sync is enabled', async () => {
      for (const host of [...APPS, collector().name]) {
        const out = await on(
          host,
          `apt-config dump APT::Periodic::Unattended-Upgrade; systemctl is-enabled apt-daily-upgrade.timer systemd-timesyncd; dpkg-query -W -f '\${Status}\\n' unattended-upgrades; test -d /var/log/journal && echo journal-on-disk`,
        );
        expect(out.trim().split('\n')).toEqual(['APT::Periodic::Unattended-Upgrade "1";', 'enabled', 'enabled', 'install ok installed', 'journal-on-disk']);
      }
    });
  });

  test('4. patch: --tags common upgrades every host and reboots app hosts one at a time, with no failed request', async () => {
    const version = await labPublishUpdate({ name: NAME });
    const bootIds = async () => Promise.all(appHosts().map((h) => on(h, 'cat /proc/sys/kernel/random/boot_id')));
    const before = await bootIds();
    const { result: run, report } = await underLoad('/search?q=tolstoy', () => play(['site', '--tags', 'common', '-e', '{"apt_cache_valid_time": 0}']));
    figures.patch = { seconds: run.seconds, ...served(report), byHost: report.byHost };
    expectClean(run);
    await expectNothingLost(report);

    const installed = await onAll([...appHosts(), collector().name, 'bastion'], "dpkg-query -W -f '${Version}' lab-marker; test -e /var/run/reboot-required && echo ' still-pending' || true");
    expect(installed).toEqual(installed.map(() => String(version)));
    const after = await bootIds();
    after.forEach((id, i) => expect(id).not.toBe(before[i]));

    // One host at a time: each app host is drained, rebooted and re-enabled before the next is drained.
    const steps = hostResults(run)
      .filter((r) => APPS.includes(r.host) && ['Drain from the load balancer', 'Reboot', 'Back into the load balancer'].includes(r.task) && r.status !== 'skipped')
      .map((r) => `${r.task}:${r.host}`);
    const first = steps[0].split(':')[1];
    const second = APPS.find((h) => h !== first)!;
    expect(steps).toEqual([first, first, first, second, second, second].map((h, i) => `${['Drain from the load balancer', 'Reboot', 'Back into the load balancer'][i % 3]}:${h}`));
  });

  test('5. deploy: changed app code reaches every host by phased restart, with no failed request', async () => {
    project.edit('app/VERSION', () => '1.1.0\n');
    project.edit('app/lib/bookshelf/app.rb', (t) => t.replace("MAX_QUERY = 200", 'MAX_QUERY = 256'));
    const { result: run, report } = await underLoad('/search?q=woolf', async () => {
      const deployed = await play(['site', '--tags', 'app']);
      // The phased restart replaces workers after the run returns: keep the load on until it is done.
      await waitUntil('every app host to serve 1.1.0', 120_000, async () => {
        const spread = await lbSpread(10);
        return spread.versions.size === 1 && spread.versions.has('1.1.0') && spread.hosts.size === APPS.length ? true : undefined;
      });
      return deployed;
    });
    figures.deploy = { seconds: run.seconds, ...served(report), byVersion: report.byVersion };
    expectClean(run);
    await expectNothingLost(report);
    // Migrations run once per deploy, on one host, not once per host.
    expect(hostResults(run).filter((r) => r.task === 'Database migrations' && r.status !== 'skipped').map((r) => r.host)).toHaveLength(1);
    const changed = changedTasks(run);
    expect(changed.filter((c) => c.includes('App code'))).toHaveLength(2 * APPS.length);
    expect(changed.filter((c) => c.includes('Full restart'))).toEqual([]);
    expect(changed.filter((c) => c.includes('phased restart app'))).toHaveLength(APPS.length);
    const long = await lbGet(`/search?q=${'a'.repeat(230)}`);
    expect(long.status).toBe(200); // 230 characters: refused by 1.0.0, accepted by the new code
  });

  test('6. scale: app.count 2 → 3 with app-3 out of service; lab up adds exactly app-3; play site --limit it; in service, the load balancer serves it', async () => {
    const before = lab.hosts.map((h) => h.name);
    await deployStack({ count: 3, outOfService: ['app-3'] });
    expect(lab.hosts.map((h) => h.name).filter((name) => !before.includes(name))).toEqual(['app-3']);
    const run = await play(['site', '--limit', 'app-3']);
    figures.scaleSeconds = run.seconds;
    expectClean(run);
    const worked = Object.entries(run.recap).filter(([, s]) => s.ok + s.changed + s.failed + s.unreachable > 0);
    expect(worked.map(([host]) => host)).toEqual(['app-3']);
    expect((await lbSpread(12)).hosts.has('app-3')).toBe(false);
    await deployStack({ count: 3 });
    await untilServed(['app-3']);
    await logsArrive(['app-3'], 'scaled', 60_000);
    // The new host serves the same data: books written through the others before it existed.
    const earlier = acknowledged.slice(-5);
    const found = await on('app-3', `python3 -c "import sys, urllib.request as u; [print(u.urlopen('http://127.0.0.1/books/' + i).read().decode()) for i in sys.argv[1:]]" ${earlier.map((w) => w.id).join(' ')}`);
    expect(found.trim().split('\n').map((line) => (JSON.parse(line) as { title: string }).title)).toEqual(earlier.map((w) => w.title));
  });

  test('6b. rolling replacement of app-1 under load: out of service, replaced, its new host key handled explicitly, configured, back; no failed request', async () => {
    const started = Date.now();
    const app1 = lab.hosts.find((h) => h.name === 'app-1')!;
    const { report } = await underLoad('/search?q=eliot', async () => {
      await deployStack({ count: 3, outOfService: ['app-1'] });
      const replaced = await labReplaceHost({ name: NAME, host: 'app-1' });
      expect(replaced.hostKeys[0]).not.toBe(app1.hostKey);

      // The inventory still pins the old key: play refuses the host, naming the change and the fix.
      const refused = await play(['site', '--limit', 'app-1']);
      expect(refused.code).not.toBe(0);
      expect(refused.output).toContain('REMOTE HOST KEY HAS CHANGED');
      expect(refused.output).toContain(`ssh-keygen -R '${app1.privateAddress}'`);
      // The operator knows it was rebuilt: the old key goes, and accept-new trusts the new one once.
      await exec('ssh-keygen', ['-R', app1.privateAddress, '-f', lab.knownHostsFile]);
      const run = await play(['site', '--limit', 'app-1']);
      expectClean(run);
      expect(readFileSync(lab.knownHostsFile, 'utf8')).toContain(replaced.hostKeys[0]);

      await deployStack({ count: 3 });
      await untilServed(['app-1']);
    });
    figures.replacement = { seconds: (Date.now() - started) / 1000, ...served(report), byHost: report.byHost };
    await expectNothingLost(report);
    await logsArrive(['app-1'], 'replaced', 60_000);
  });

  test('6c. security groups from the stack: without the collector\'s rule for the app hosts, their logs stop arriving and the lab names the dropped flow', async () => {
    const json = JSON.parse(readFileSync(stack.file, 'utf8'));
    const ingress = json.resource.aws_vpc_security_group_ingress_rule as Record<string, { description: string }>;
    const rule = Object.keys(ingress).find((id) => ingress[id].description === 'Syslog over TLS from the app instances')!;
    delete ingress[rule];
    const broken = `${stack.dir}/without-syslog-rule.tf.json`;
    writeFileSync(broken, JSON.stringify(json));
    try {
      lab = await labUp({ name: NAME, stack: broken });
      // Security groups track connections: the forwarder's open one goes on, as on AWS. A new one is dropped.
      await on('app-2', 'sudo systemctl restart rsyslog');
      await expect(logsArrive(['app-2'], 'blocked', 20_000)).rejects.toThrow();
      const drops = await labDrops({ name: NAME });
      expect(drops).toContainEqual(expect.stringMatching(/^app-2 \(.*\) → logs \(.*\) tcp\/6514: \d+ packets? dropped: no ingress rule/));
      await logsArrive(['bastion'], 'still-allowed', 60_000);
    } finally {
      lab = await labUp({ name: NAME, stack: stack.file });
    }
    // The forwarder's disk queue kept the lines: they arrive once the rule is back.
    await logsArrive(['app-2'], 'restored', 120_000);
  });

  test('6d. the database restarted mid-load: requests fail fast while it is down, none hangs, the app recovers by itself, no acknowledged write is lost', async () => {
    const load = startLoad(lab.loadBalancer.url, { read: '/search?q=hardy', writeEvery: 2, maxMs: 300_000 });
    let report: LoadReport;
    let backAt = 0;
    try {
      await new Promise((r) => setTimeout(r, 3000));
      await on(DB, 'sudo systemctl stop postgresql');
      await new Promise((r) => setTimeout(r, 8000));
      await on(DB, 'sudo systemctl start postgresql');
      backAt = Date.now();
      // Recovered by itself: no play run, no restart of the app.
      await waitUntil('the app to serve again', 60_000, async () => ((await lbGet('/search?q=hardy').catch(() => undefined))?.status === 200 ? true : undefined));
      figures.databaseRecoverySeconds = (Date.now() - backAt) / 1000;
      await new Promise((r) => setTimeout(r, 5000));
    } finally {
      report = await load.stop();
      acknowledged.push(...report.writes.acknowledged);
    }
    figures.databaseRestart = { ...served(report), byStatus: report.byStatus };
    // The outage was real, and every request that failed got its answer: a fast 503, never a hang or a gateway timeout.
    expect(report.failed).toBeGreaterThan(0);
    expect(Object.keys(report.byStatus).filter((status) => !['200', '201', '503'].includes(status))).toEqual([]);
    expect(report.slowestMs).toBeLessThan(4000);
    expect(figures.databaseRecoverySeconds).toBeLessThan(30);
    expect(await missingWrites(lab.loadBalancer.url, acknowledged)).toEqual([]);
  });

  test('6e. restore drill: the database host lost and rebuilt; the newest dump, taken off the host, brings every row back', async () => {
    const { report } = await underLoad('/search?q=austen', () => new Promise((r) => setTimeout(r, 10_000)));
    expect(report.failed).toBe(0);
    const backup = await play(['backup']);
    expectClean(backup);
    const dbHost = lab.hosts.find((h) => h.name === DB)!;
    await labReplaceHost({ name: NAME, host: DB });
    await exec('ssh-keygen', ['-R', dbHost.privateAddress, '-f', lab.knownHostsFile]);
    const started = Date.now();
    const rebuilt = await play(['site', '--limit', DB]);
    expectClean(rebuilt);
    const restored = await play(['restore']);
    expectClean(restored);
    figures.restoreSeconds = (Date.now() - started) / 1000;
    await untilServed(appHosts(), 120_000);
    figures.restoredWrites = acknowledged.length;
    expect(await missingWrites(lab.loadBalancer.url, acknowledged)).toEqual([]);

    // A dump that is not one fails the restore in its scratch database: the live one is untouched.
    const garbage = `${project.dir}/garbage.dump`;
    writeFileSync(garbage, 'PGDMP but not really');
    const refused = await play(['restore', '-e', `restore_dump=${garbage}`]);
    expect(refused.code).toBe(2);
    expect(failures(refused).join('\n')).toMatch(/Restore it into a scratch database/);
    expect(await missingWrites(lab.loadBalancer.url, acknowledged)).toEqual([]);
  });

  describe('7. faults', () => {
    test('a broken pg_hba fails the run and PostgreSQL keeps serving with the previous file', async () => {
      const live = await on(DB, 'sudo sha256sum /etc/postgresql/15/main/pg_hba.conf');
      const restore = project.edit('roles/database/templates/pg_hba.conf.hbs', (t) => `${t}hostssl all all 10.0.0.0/8 no-such-method\n`);
      try {
        const run = await play(['site', '--limit', DB, '--tags', 'database']);
        expect(run.code).toBe(2);
        expect(failures(run).join('\n')).toMatch(/pg_hba\.conf line \d+: invalid authentication method "no-such-method"/);
      } finally {
        restore();
      }
      expect(await on(DB, 'sudo sha256sum /etc/postgresql/15/main/pg_hba.conf')).toBe(live);
      expect(await on(DB, 'systemctl is-active postgresql@15-main')).toBe('active\n');
      expect((await lbGet('/search?q=austen')).status).toBe(200);
    });

    test('a broken nginx template fails the run and nginx keeps serving the previous configuration', async () => {
      const live = await onAll(APPS, 'sha256sum /etc/nginx/conf.d/bookshelf.conf');
      const restore = project.edit('roles/nginx/templates/site.conf.hbs', (t) => t.replace('server_name _;', 'server_name _;\n    proxy_buffering maybe;'));
      try {
        const run = await play(['site', '--tags', 'nginx', '--limit', APPS.join(',')]);
        expect(run.code).toBe(2);
        const failed = hostResults(run).filter((r) => r.status === 'failed');
        expect(sorted(failed.map((r) => r.host))).toEqual(APPS);
        for (const result of failed) expect(`${result.failure?.msg} ${result.failure?.stderr}`).toMatch(/proxy_buffering/);
      } finally {
        restore();
      }
      expect(await onAll(APPS, 'sha256sum /etc/nginx/conf.d/bookshelf.conf')).toEqual(live);
      expect(await onAll(APPS, 'ls /etc/nginx/conf.d')).toEqual(APPS.map(() => 'bookshelf.conf\n'));
      expect(sorted((await lbSpread(20)).hosts)).toEqual(sorted(appHosts()));
    });

    test('an app host lost mid-run: the others complete, the recap says unreachable, exit 4', async () => {
      let cut: Promise<unknown> | undefined;
      const run = await play(['site'], {
        onEvent: (event) => {
          if (!cut && event.type === 'host_result' && event.host === 'app-2') cut = exec('ip', [...switchPort('app-2'), 'down']);
        },
      });
      await cut;
      try {
        expect({ code: run.code, recap: run.recap['app-2']?.unreachable }).toEqual({ code: 4, recap: 1 });
        for (const host of ['bastion', 'logs', 'app-1', 'app-3']) {
          expect({ host, failed: run.recap[host]?.failed, unreachable: run.recap[host]?.unreachable }).toEqual({ host, failed: 0, unreachable: 0 });
        }
        // app-1 went on to the end of the web tier play
        expect(hostResults(run).filter((r) => r.host === 'app-1' && r.task === 'rsyslog enabled and running')).toHaveLength(1);
      } finally {
        await exec('ip', [...switchPort('app-2'), 'up']);
      }
      await untilServed(['app-2'], 120_000);
    });

    test('logs written while the collector is down arrive once it is back', async () => {
      // syslog.socket would start rsyslog again at the next local message: stop both
      await on(collector().name, 'sudo systemctl stop syslog.socket rsyslog.service');
      const stoppedAt = Date.now();
      try {
        const nonce = `outage-${randomBytes(6).toString('hex')}`;
        await onAll(APPS, `logger -t e2e ${nonce}`);
        await new Promise((r) => setTimeout(r, 15_000));
        const early = await Promise.all(APPS.map((h) => ssh(lab.sshConfigFile, collector().name, `sudo grep -c ${nonce} /var/log/remote/${h}/messages.log`)));
        expect(early.map((r) => r.stdout.trim())).toEqual(APPS.map(() => '0'));
        figures.collectorOutageSeconds = (Date.now() - stoppedAt) / 1000;
        await on(collector().name, 'sudo systemctl start rsyslog');
        await waitUntil('the lines logged during the outage', 120_000, async () => {
          const found = await Promise.all(APPS.map((h) => ssh(lab.sshConfigFile, collector().name, `sudo grep -c ${nonce} /var/log/remote/${h}/messages.log`)));
          return found.every((r) => r.code === 0) ? true : undefined;
        });
      } finally {
        await on(collector().name, 'sudo systemctl start rsyslog');
      }
    });
  });

  test('8. check mode: a template change shows its diff and changes nothing on any host, with probes batched or not', async () => {
    const files = '/etc/nginx/conf.d/bookshelf.conf /etc/bookshelf/puma.rb /etc/ssh/sshd_config.d/10-hardening.conf';
    const state = `sha256sum ${files}; systemctl show -p MainPID nginx bookshelf ssh`;
    const before = await onAll(appHosts(), state);
    const restore = project.edit('roles/nginx/templates/site.conf.hbs', (t) => t.replace('server_name _;', 'server_name _;\n    add_header X-Site-Check "e2e" always;'));
    let run: PlayRun;
    let unbatched: PlayRun;
    try {
      run = await play(['site', '--check', '--diff']);
      unbatched = await play(['site', '--check', '--diff', '--no-probe-batching']);
    } finally {
      restore();
    }
    expectClean(run);
    expect(comparableEvents(run)).toEqual(comparableEvents(unbatched));
    expect(run.output).not.toContain(project.hostedToken);
    const siteTask = hostResults(run).filter((r) => r.task.startsWith("The app's site") && r.status === 'changed');
    expect(sorted(siteTask.map((r) => r.host))).toEqual(sorted(appHosts()));
    for (const result of siteTask) expect(result.diffs?.join('\n')).toMatch(/^\+\s+add_header X-Site-Check "e2e" always;$/m);
    expect(await onAll(appHosts(), state)).toEqual(before);
  });

  test('9. the bastion replaced: every connection is refused, naming its changed key, until the operator removes the old one; then it is configured again', async () => {
    const bastion = lab.hosts.find((h) => h.name === 'bastion')!;
    const replaced = await labReplaceHost({ name: NAME, host: 'bastion' });
    expect(replaced.hostKeys[0]).not.toBe(bastion.hostKey);
    const refused = await play(['site', '--limit', 'app-2', '--tags', 'common']);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('REMOTE HOST KEY HAS CHANGED');
    expect(refused.output).toContain(`ssh-keygen -R '${bastion.publicAddress}'`);
    expect(changedTasks(refused)).toEqual([]);
    await exec('ssh-keygen', ['-R', bastion.publicAddress!, '-f', lab.knownHostsFile]);
    const run = await play(['site', '--limit', 'bastion']);
    expectClean(run);
    await logsArrive(['bastion', 'app-2'], 'new-bastion', 60_000);
  });
});
