import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ROLES, scratchDir, tool } from './site-files';

/** make-log-pki: the lab's log TLS certificates, made at run time on the controller. */

const script = path.join(ROLES, 'rsyslog', 'files', 'make-log-pki');
const run = (dir: string, host: string, extraSans?: string) =>
  new Promise<{ status: number | null; stdout: string }>((resolve) => {
    const child = spawn(script, extraSans === undefined ? [dir, host] : [dir, host, extraSans]);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (status) => resolve({ status, stdout }));
  });

describe('make-log-pki', () => {
  const scratch = scratchDir('log-pki-');
  afterAll(scratch.cleanup);
  const dir = path.join(scratch.dir, 'pki');
  const hosts = ['logs', 'app-1', 'app-2', 'app-3', 'app-4', 'app-5'];

  test('hosts asking at once share one CA, and each gets a certificate for its name', async () => {
    const results = await Promise.all(hosts.map((host) => run(dir, host)));
    expect(results.map((r) => r.status)).toEqual(hosts.map(() => 0));
    expect(results.filter((r) => r.stdout.includes(' ca')).length).toBe(1);
    for (const host of hosts) {
      const cert = path.join(dir, `${host}.pem`);
      expect(tool('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), cert]).output).toBe(`${cert}: OK\n`);
      expect(tool('openssl', ['x509', '-in', cert, '-noout', '-ext', 'subjectAltName']).output).toContain(`DNS:${host}`);
      expect(statSync(path.join(dir, `${host}-key.pem`)).mode & 0o077).toBe(0);
    }
    expect(statSync(path.join(dir, 'ca-key.pem')).mode & 0o077).toBe(0);
  });

  test('a second run changes nothing and says nothing', async () => {
    const before = readFileSync(path.join(dir, 'app-1.pem'), 'utf8');
    expect(await run(dir, 'app-1')).toEqual({ status: 0, stdout: '' });
    expect(readFileSync(path.join(dir, 'app-1.pem'), 'utf8')).toBe(before);
  });

  test("extra subjectAltNames (the database's address): in the certificate, made again when the address changes", async () => {
    const cert = path.join(dir, 'db.pem');
    const sans = () => tool('openssl', ['x509', '-in', cert, '-noout', '-ext', 'subjectAltName']).output.split('\n')[1].trim();
    expect(await run(dir, 'db', 'IP:10.200.15.10')).toEqual({ status: 0, stdout: 'created db\n' });
    expect(sans()).toBe('DNS:db, IP Address:10.200.15.10');
    expect(tool('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), cert]).output).toBe(`${cert}: OK\n`);
    expect(await run(dir, 'db', 'IP:10.200.15.10')).toEqual({ status: 0, stdout: '' });
    expect(await run(dir, 'db', 'IP:10.200.15.11,DNS:db.internal')).toEqual({ status: 0, stdout: 'created db\n' });
    expect(sans()).toBe('DNS:db, IP Address:10.200.15.11, DNS:db.internal');
  });

  test('an extra subjectAltName that is not DNS:name or IP:address is refused before anything is written', async () => {
    expect((await run(dir, 'db2', 'IP:10.0.0.1,email:x@y')).status).toBe(2);
    expect((await run(dir, 'db2', 'IP:1.2.3.4\nbasicConstraints=CA:TRUE')).status).toBe(2);
    expect(existsSync(path.join(dir, 'db2.pem'))).toBe(false);
  });

  test('a host name that is not a DNS name is refused before anything is written', async () => {
    const result = await run(dir, 'x;touch /tmp/pwned');
    expect(result.status).toBe(2);
    expect(existsSync(path.join(dir, 'x;touch /tmp/pwned.pem'))).toBe(false);
  });
});
