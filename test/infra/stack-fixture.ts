import { Testing } from 'cdktf';
import { parseEnvironmentConfig, type EnvironmentConfig, type EnvironmentConfigInput } from '../../stacks/environment-config';
import { WebTierStack } from '../../stacks/web-tier-stack';

/** A valid environment; tests change one field at a time. */
export function validConfigInput(): EnvironmentConfigInput {
  return {
    region: 'eu-west-1',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    vpcCidr: '10.40.0.0/16',
    ami: 'ami-0a1b2c3d4e5f67890',
    sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcQ0LPHbM4tRqj5Yk6u2bWvQm7zX3ZcQXxY1hU2n9pE test@example',
    adminCidrs: ['203.0.113.0/24'],
    app: { count: 2 },
    deletionProtection: false,
  };
}

export function testConfig(overrides: Partial<EnvironmentConfigInput> = {}, name = 'test'): EnvironmentConfig {
  return parseEnvironmentConfig(name, { ...validConfigInput(), ...overrides }, `${name} (test config)`);
}

export interface SynthesizedStack {
  /** The JSON text, as cdktf's Testing matchers take it. */
  text: string;
  json: { resource: Record<string, Record<string, Record<string, unknown>>>; data?: Record<string, Record<string, Record<string, unknown>>>; output: Record<string, { value: unknown }>; terraform: Record<string, unknown>; provider: Record<string, unknown[]> };
}

export function synthStack(config: EnvironmentConfig): SynthesizedStack {
  const text = Testing.synth(new WebTierStack(Testing.app(), config));
  return { text, json: JSON.parse(text) };
}

/** Resources of one type, by logical id. */
export function resourcesOfType(stack: SynthesizedStack, type: string): Array<Record<string, unknown> & { id: string }> {
  return Object.entries(stack.json.resource[type] ?? {}).map(([id, body]) => ({ id, ...body }));
}

/** Terraform's reference to a resource's attribute, as it appears in the synthesized JSON. */
export function ref(type: string, resource: { id: string }, attribute = 'id'): string {
  return `\${${type}.${resource.id}.${attribute}}`;
}
