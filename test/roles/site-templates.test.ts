import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderValue } from '../../src/lang/templates';
import { readYaml, renderRoleTemplate, roleVars, ROLES, scratchDir, tool } from './site-files';

/**
 * Every template renders with its role's defaults and sample inventory values, and the result is
 * accepted by the tool that will read it on the host (sshd, nginx, rsyslogd, ruby, systemd, apt,
 * visudo). The same tools reject a broken variant, so each check is known to bite.
 */

const scratch = scratchDir('site-templates-');
afterAll(scratch.cleanup);

function writeScratch(name: string, content: string): string {
  const file = path.join(scratch.dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

describe('common', () => {
  const vars = roleVars('common');

  test('the sshd drop-in passes sshd -t and turns passwords and root logins off', () => {
    mkdirSync('/run/sshd', { recursive: true }); // sshd -t insists on its privilege separation directory
    const text = renderRoleTemplate('common', 'sshd-hardening.conf.hbs', vars);
    const result = tool('/usr/sbin/sshd', ['-t', '-f', writeScratch('sshd.conf', text)]);
    expect(result).toEqual({ status: 0, output: '' });
    expect(text).toMatch(/^PasswordAuthentication no$/m);
    expect(text).toMatch(/^PermitRootLogin no$/m);
    expect(text).toMatch(/^AllowTcpForwarding no$/m);
    expect(text).toMatch(/^Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com$/m);
  });

  test('sshd -t rejects a drop-in with an unknown cipher (the validation the role relies on)', () => {
    const text = renderRoleTemplate('common', 'sshd-hardening.conf.hbs', { ...vars, sshd_ciphers: ['rot13-cbc'] });
    expect(tool('/usr/sbin/sshd', ['-t', '-f', writeScratch('sshd-bad.conf', text)]).status).not.toBe(0);
  });

  test('the admins sudoers line passes visudo -c', () => {
    const tasks = readYaml(path.join(ROLES, 'common', 'tasks', 'users.yml')) as { copy?: { content: string } }[];
    const content = renderValue(tasks.find((t) => t.copy)!.copy!.content, vars, { file: 'users.yml' });
    const file = writeScratch('50-admins', content);
    expect(tool('visudo', ['-cf', file]).status).toBe(0);
    expect(content).toBe('%admins ALL=(ALL:ALL) NOPASSWD: ALL\n');
  });

  test('unattended-upgrades takes security updates only, never reboots by itself', () => {
    const periodic = tool('apt-config', ['-c', writeScratch('20auto', renderRoleTemplate('common', '20auto-upgrades.hbs', vars)), 'dump']);
    expect(periodic.output).toContain('APT::Periodic::Unattended-Upgrade "1";');
    const origins = tool('apt-config', ['-c', writeScratch('52u', renderRoleTemplate('common', '52webtier-unattended-upgrades.hbs', vars)), 'dump']);
    expect(origins.status).toBe(0);
    const patterns = origins.output.split('\n').filter((l) => l.startsWith('Unattended-Upgrade::Origins-Pattern:: '));
    expect(patterns.map((l) => /"(.*)"/.exec(l)![1])).toEqual(vars.unattended_upgrades_origins);
    expect(origins.output).toContain('Unattended-Upgrade::Automatic-Reboot "false";');
  });

  test('journald keeps logs on disk and still feeds rsyslog', () => {
    const text = renderRoleTemplate('common', 'journald.conf.hbs', vars);
    expect(text).toMatch(/^Storage=persistent$/m);
    expect(text).toMatch(/^ForwardToSyslog=yes$/m);
  });

  test('timesyncd keeps the distribution servers unless servers are given', () => {
    expect(renderRoleTemplate('common', 'timesyncd.conf.hbs', vars)).not.toMatch(/NTP=/);
    expect(renderRoleTemplate('common', 'timesyncd.conf.hbs', { ...vars, timesync_servers: ['169.254.169.123'] })).toMatch(/^NTP=169\.254\.169\.123$/m);
  });
});

describe('nginx', () => {
  const confDir = path.join(scratch.dir, 'nginx');
  const vars = roleVars('nginx', { nginx_conf_dir: confDir, nginx_real_ip_from: ['10.200.0.0/13', '10.208.0.0/12'] });
  const checker = path.join(ROLES, 'nginx', 'files', 'nginx-check-snippet');
  const check = (candidate: string) => tool(checker, [candidate, 'bookshelf.conf'], { NGINX_CONF_DIR: confDir });

  beforeAll(() => {
    mkdirSync(path.join(confDir, 'conf.d'), { recursive: true });
    mkdirSync(path.join(confDir, 'modules-enabled'), { recursive: true });
    copyFileSync('/etc/nginx/mime.types', path.join(confDir, 'mime.types'));
  });

  test('the main configuration passes nginx -t', () => {
    const main = writeScratch('nginx/nginx.conf', renderRoleTemplate('nginx', 'nginx.conf.hbs', vars));
    const result = tool('nginx', ['-t', '-q', '-c', main]);
    expect(result).toEqual({ status: 0, output: '' });
  });

  test('the site passes the snippet check with the live main configuration, and trusts X-Forwarded-For from the given ranges only', () => {
    const site = renderRoleTemplate('nginx', 'site.conf.hbs', vars);
    expect(check(writeScratch('site.candidate', site))).toEqual({ status: 0, output: '' });
    expect(site.match(/^\s*set_real_ip_from .*;$/gm)!.map((l) => l.trim())).toEqual(['set_real_ip_from 10.200.0.0/13;', 'set_real_ip_from 10.208.0.0/12;']);
    expect(site).toContain('server unix:/run/bookshelf/puma.sock');
    expect(site).toMatch(/location = \/health \{/);
    expect(site).not.toContain('Strict-Transport-Security');
  });

  test('a broken site is refused by the snippet check, which names the directive', () => {
    const site = renderRoleTemplate('nginx', 'site.conf.hbs', vars).replace('server_name _;', 'server_name _;\n    proxy_passs http://x;');
    const result = check(writeScratch('site.broken', site));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('unknown directive "proxy_passs"');
  });

  test('the snippet check sees the other live snippets: a duplicate upstream is refused', () => {
    writeScratch('nginx/conf.d/other.conf', 'upstream bookshelf { server 127.0.0.1:9; }\n');
    try {
      const result = check(writeScratch('site.candidate2', renderRoleTemplate('nginx', 'site.conf.hbs', vars)));
      expect(result.output).toContain('duplicate upstream "bookshelf"');
    } finally {
      writeScratch('nginx/conf.d/other.conf', '');
    }
  });

  test('HSTS is sent when the edge speaks HTTPS', () => {
    expect(renderRoleTemplate('nginx', 'site.conf.hbs', { ...vars, nginx_hsts_max_age: 31536000 })).toContain('Strict-Transport-Security "max-age=31536000" always');
  });
});

describe('app', () => {
  const vars = roleVars('app');

  test('the Puma configuration is valid Ruby, in cluster mode with one worker per CPU by default', () => {
    const text = renderRoleTemplate('app', 'puma.rb.hbs', vars);
    expect(tool('ruby', ['-c', writeScratch('puma.rb', text)]).status).toBe(0);
    expect(text).toMatch(/^workers 2$/m);
    expect(text).not.toMatch(/^\s*preload_app/m);
    expect(renderRoleTemplate('app', 'puma.rb.hbs', { ...vars, app_workers: 3 })).toMatch(/^workers 3$/m);
  });

  test('the unit passes systemd-analyze verify and is sandboxed', () => {
    const text = renderRoleTemplate('app', 'app.service.hbs', vars);
    expect(tool('systemd-analyze', ['verify', writeScratch('bookshelf.service', text)]).status).toBe(0);
    for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'ReadWritePaths=/run/bookshelf', 'User=bookshelf']) {
      expect(text.split('\n')).toContain(line);
    }
    const broken = text.replace('ProtectSystem=strict', 'ProtectSystem=sometimes');
    expect(tool('systemd-analyze', ['verify', writeScratch('broken/bookshelf.service', broken)]).output).toContain('Failed to parse protect system value');
  });
});

describe('rsyslog', () => {
  const vars = roleVars('rsyslog', { rsyslog_target_host: '10.200.2.4', rsyslog_target_name: 'logs' });
  const rsyslogCheck = (name: string, text: string) => tool('rsyslogd', ['-N1', '-f', writeScratch(name, text)]);

  test('the forwarder passes rsyslogd -N1: TLS with the collector name checked, disk-assisted queue', () => {
    const text = renderRoleTemplate('rsyslog', 'forward.conf.hbs', vars);
    expect(rsyslogCheck('forward.conf', text).status).toBe(0);
    for (const setting of ['StreamDriver="gtls"', 'StreamDriverMode="1"', 'StreamDriverAuthMode="x509/name"', 'StreamDriverPermittedPeers="logs"', 'queue.type="LinkedList"', 'queue.filename="to_collector"', 'queue.saveOnShutdown="on"', 'target="10.200.2.4"']) {
      expect(text).toContain(setting);
    }
  });

  test('the collector passes rsyslogd -N1 and listens on TLS only', () => {
    const text = renderRoleTemplate('rsyslog', 'collector.conf.hbs', vars);
    expect(rsyslogCheck('collector.conf', text).status).toBe(0);
    expect(text.match(/input\(type="(\w+)"/g)).toEqual(['input(type="imtcp"']);
    expect(text).toContain('StreamDriver.Mode="1"');
    expect(text).toContain('StreamDriver.AuthMode="x509/certvalid"');
  });

  test('the hosted-service forwarder carries the token and passes rsyslogd -N1', () => {
    const text = renderRoleTemplate('rsyslog', 'hosted.conf.hbs', { ...vars, rsyslog_hosted_token: 'tok-123', rsyslog_hosted_host: 'logs.example.net', rsyslog_hosted_peer: '*.example.net' });
    expect(rsyslogCheck('hosted.conf', text).status).toBe(0);
    expect(text).toContain('[tok-123@41058]');
  });

  test('rsyslogd -N1 rejects an unknown parameter (the validation the role relies on)', () => {
    const text = renderRoleTemplate('rsyslog', 'forward.conf.hbs', vars).replace('queue.saveOnShutdown', 'queue.saveOnShutdownn');
    expect(rsyslogCheck('forward-bad.conf', text).status).not.toBe(0);
  });
});
