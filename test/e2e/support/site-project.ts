import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

/**
 * A working copy of the site (playbooks, roles, app, the lab's group_vars) in a scratch directory,
 * so the sequence can change app code and templates without touching the repository, plus the
 * secrets the lab needs, made at run time and never committed: the vault password, the vault
 * files with the hosted-log token and the database password, an admin's SSH key.
 */

const REPO = path.resolve(__dirname, '../../..');
const PLAY = path.join(REPO, 'bin', 'play.js');

export interface SiteProject {
  dir: string;
  vaultPasswordFile: string;
  /** The token put in the vault file: it must reach the hosts and never the output. */
  hostedToken: string;
  /** The database password, vaulted likewise: on the database and the app hosts, never in the output. */
  databasePassword: string;
  adminUser: string;
  adminKeyFile: string;
  /** Edits a file of the working copy (relative path); returns a function that puts it back. */
  edit(relative: string, change: (text: string) => string): () => void;
  cleanup(): void;
}

export function createSiteProject(labInventoryDir: string, collector: { name: string; address: string }): SiteProject {
  const root = mkdtempSync(path.join(tmpdir(), 'site-e2e-'));
  const dir = path.join(root, 'project');
  for (const part of ['playbooks', 'roles', 'app', 'inventory/lab']) cpSync(path.join(REPO, part), path.join(dir, part), { recursive: true });

  const secrets = path.join(root, 'secrets');
  mkdirSync(secrets, { mode: 0o700 });
  const vaultPasswordFile = path.join(secrets, 'vault-password');
  writeFileSync(vaultPasswordFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });

  const adminUser = 'ops';
  const adminKeyFile = path.join(secrets, 'ops_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ops@e2e', '-f', adminKeyFile]);
  const groupVars = path.join(labInventoryDir, 'group_vars');
  const allVars = path.join(groupVars, 'all');
  mkdirSync(allVars, { recursive: true });
  writeFileSync(path.join(allVars, 'admins.yml'), stringify({ admin_users: [{ name: adminUser, key: readFileSync(`${adminKeyFile}.pub`, 'utf8').trim() }] }));

  // The hosted service is played by the lab's collector, so the token's path is real end to end.
  // Only the token is secret (play masks every vault value wherever it appears): it alone is vaulted.
  const appVars = path.join(groupVars, 'app');
  mkdirSync(appVars, { recursive: true });
  writeFileSync(
    path.join(appVars, 'hosted.yml'),
    stringify({ rsyslog_hosted_host: collector.address, rsyslog_hosted_peer: collector.name, rsyslog_hosted_ca_file: '/etc/rsyslog-tls/ca.pem' }),
  );
  const hostedToken = `tok-${randomBytes(12).toString('hex')}`;
  // The lab's database password: the lab's outputs name this inventory variable as its credential.
  const databasePassword = `db-${randomBytes(18).toString('base64url')}`;
  // The password through play's environment variable: `play vault encrypt --vault-password-file` is
  // taken by the top-level `play` options (commander) and never reaches the subcommand.
  const password = readFileSync(vaultPasswordFile, 'utf8').trim();
  const vaulted = (file: string, vars: Record<string, string>) => {
    writeFileSync(file, stringify(vars), { mode: 0o600 });
    execFileSync(process.execPath, [PLAY, 'vault', 'encrypt', file], { env: { ...process.env, PLAY_VAULT_PASSWORD: password } });
    chmodSync(file, 0o600);
  };
  vaulted(path.join(appVars, 'vault.yml'), { rsyslog_hosted_token: hostedToken });
  vaulted(path.join(allVars, 'vault.yml'), { database_password: databasePassword });

  return {
    dir,
    vaultPasswordFile,
    hostedToken,
    databasePassword,
    adminUser,
    adminKeyFile,
    edit(relative, change) {
      const file = path.join(dir, relative);
      const before = readFileSync(file, 'utf8');
      const after = change(before);
      if (after === before) throw new Error(`edit of ${relative} changed nothing`);
      writeFileSync(file, after);
      return () => writeFileSync(file, before);
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
