import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Testing } from 'cdktf';
import { parseDocument } from 'yaml';
import { parseEnvironmentConfig, type EnvironmentConfig, type EnvironmentConfigInput } from '../../stacks/environment-config';
import { WebTierStack } from '../../stacks/web-tier-stack';

export const REPO_ENVIRONMENTS = path.join(__dirname, '..', '..', 'environments');

/**
 * Values of a real-looking environment: none is a template's or AWS's documentation example (the
 * config check refuses those). The admin range is from 198.18.0.0/15 (RFC 2544, benchmarking):
 * not routed on the internet, and not a documentation range either. The key was generated for
 * this fixture; its private half was never kept.
 */
export const REAL = {
  accountId: '842719305516',
  ami: 'ami-0f7c3e5a9d2b41e68',
  sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa7gZYcjNjPmMO44rrVHJLq+0skL+5s5yNWnMhpi4be webtier-fixture',
  adminCidrs: ['198.18.24.0/24', '198.18.25.17/32'],
  alarmEmail: 'oncall@bookshelf-ops.net',
  certificateArn: 'arn:aws:acm:eu-west-1:842719305516:certificate/6f1c9e2a-4b7d-4e0a-9c3f-1d2e3f4a5b6c',
  zoneId: 'Z08530172U8NJQ3L8VE5T',
  recordName: 'www.bookshelf-books.net',
  stateBucket: 'bookshelf-webtier-terraform-state',
};

/** A valid environment; tests change one field at a time. */
export function validConfigInput(): EnvironmentConfigInput {
  return {
    region: 'eu-west-1',
    allowedAccountIds: [REAL.accountId],
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpcCidr: '10.40.0.0/16',
    ami: REAL.ami,
    sshPublicKey: REAL.sshPublicKey,
    adminCidrs: [REAL.adminCidrs[0]],
    app: { count: 2 },
    deletionProtection: false,
  };
}

export function testConfig(overrides: Partial<EnvironmentConfigInput> = {}, name = 'test'): EnvironmentConfig {
  return parseEnvironmentConfig(name, { ...validConfigInput(), ...overrides }, `${name} (test config)`);
}

/**
 * A shipped template (environments/<name>.yaml) as a user would leave it after editing: every
 * example value replaced by a real-looking one, comments and everything else kept. `ami` stays as
 * the template has it (absent: the SSM parameter) unless given.
 */
export function editedTemplate(name: string, dir: string, changes: Record<string, unknown> = {}): string {
  const document = parseDocument(readFileSync(path.join(REPO_ENVIRONMENTS, `${name}.yaml`), 'utf8'));
  const real: Array<[string[], unknown]> = [
    [['allowedAccountIds'], [REAL.accountId]],
    [['sshPublicKey'], REAL.sshPublicKey],
    [['alarmEmail'], REAL.alarmEmail],
    [['certificateArn'], REAL.certificateArn],
    [['dns', 'zoneId'], REAL.zoneId],
    [['dns', 'recordName'], REAL.recordName],
    [['stateBackend', 'bucket'], REAL.stateBucket],
  ];
  for (const [fieldPath, value] of real) if (document.hasIn(fieldPath)) document.setIn(fieldPath, value);
  // As many admin ranges as the template has, so the edited stack has the template's shape.
  const adminCidrs = document.get('adminCidrs') as { items: unknown[] };
  document.set('adminCidrs', adminCidrs.items.map((_, i) => REAL.adminCidrs[i]));
  for (const [field, value] of Object.entries(changes)) document.set(field, value);
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, document.toString({ lineWidth: 0 }));
  return file;
}

export interface SynthesizedStack {
  /** The JSON text, as cdktf's Testing matchers take it. */
  text: string;
  json: { resource: Record<string, Record<string, Record<string, unknown>>>; data?: Record<string, Record<string, Record<string, unknown>>>; output: Record<string, { value: unknown }>; terraform: Record<string, unknown>; provider: Record<string, unknown[]> };
}

export function synthStack(config: EnvironmentConfig): SynthesizedStack {
  return synthesized((app) => new WebTierStack(app, config));
}

/**
 * Any stack, built in a scratch app and synthesized in memory. The app's output directory (an
 * App makes one even when nothing is written to it) goes with it: Testing.app() would leave one
 * in the temp directory per stack.
 */
export function synthesized(build: (app: App) => Parameters<typeof Testing.synth>[0]): SynthesizedStack {
  const outdir = mkdtempSync(path.join(tmpdir(), 'synth-'));
  try {
    const text = Testing.synth(build(Testing.app({ outdir })));
    return { text, json: JSON.parse(text) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Resources of one type, by logical id. */
export function resourcesOfType(stack: SynthesizedStack, type: string): Array<Record<string, unknown> & { id: string }> {
  return Object.entries(stack.json.resource[type] ?? {}).map(([id, body]) => ({ id, ...body }));
}

/** Terraform's reference to a resource's attribute, as it appears in the synthesized JSON. */
export function ref(type: string, resource: { id: string }, attribute = 'id'): string {
  return `\${${type}.${resource.id}.${attribute}}`;
}
