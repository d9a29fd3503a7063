import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isCollection, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { formatFieldPath } from '../src/contract/field-path';

/*
 * One validated config per environment (environments/<name>.yaml). The guard rails live here, so
 * a config that breaks a rule fails `cdktf synth` before any resource exists, with one message
 * that names the file, the line and the field.
 */

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'expected an AWS region such as eu-west-1');
const amiId = z.string().regex(/^ami-[0-9a-f]{8,17}$/, 'expected an AMI id such as ami-0123456789abcdef0');
const instanceType = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'expected an EC2 instance type such as t3.small');
const cidr = z.cidrv4({ error: 'expected an IPv4 CIDR such as 10.0.0.0/16' });
const sshPublicKey = z
  .string()
  .refine((key) => !/PRIVATE KEY/.test(key), 'this is a private key: give the public one (the .pub file)')
  .pipe(
    z.string().regex(
      /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/,
      'expected one OpenSSH public key line (ssh-ed25519 AAAA... comment)',
    ),
  );

/** CloudWatch Logs accepts only these retention periods; anything else fails at apply time. */
const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const logRetentionDays = z.int().refine((days) => CLOUDWATCH_RETENTION_DAYS.includes(days), `CloudWatch Logs keeps logs for one of ${CLOUDWATCH_RETENTION_DAYS.join(', ')} days`);

const vpcPrefixInRange = (value: string) => {
  const prefix = Number(value.split('/')[1]);
  return prefix >= 16 && prefix <= 24;
};

const stateBackend = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('local'),
    /** Relative to the stack's synth directory (cdktf.out/stacks/<stack>). */
    path: z.string().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
    key: z.string().min(1),
    region: awsRegion,
    /** S3-native locking (Terraform >= 1.10). Turn off only together with dynamodbTable for older Terraform. */
    useLockfile: z.boolean().default(true),
    /** Legacy DynamoDB locking, for Terraform < 1.10. */
    dynamodbTable: z.string().min(3).optional(),
  }),
]);

export const environmentConfigSchema = z
  .strictObject({
    region: awsRegion,
    /** At least two, so the load balancer and the app tier survive the loss of one zone. */
    availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'expected an availability zone such as eu-west-1a')).min(2, 'at least 2 availability zones are required for high availability').max(8),
    /** /16 to /24: it is cut into 16 equal subnets (public and private per zone). */
    vpcCidr: cidr.refine(vpcPrefixInRange, 'the VPC CIDR prefix must be between /16 and /24'),
    /** `single`: one NAT gateway shared by all zones (cheaper); `per-az`: one per zone (no cross-zone dependency). */
    natGateways: z.enum(['single', 'per-az']).default('single'),
    ami: amiId,
    sshUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('admin'),
    sshPublicKey,
    adminCidrs: z.array(cidr).min(1, 'at least one admin CIDR must be allowed to reach the bastion'),
    /** Must be set to allow SSH to the bastion from a /0 range: the escape hatch is explicit. */
    allowSshFromAnywhere: z.boolean().default(false),
    bastion: z.strictObject({ instanceType: instanceType.default('t3.micro') }).default({ instanceType: 't3.micro' }),
    app: z.strictObject({
      /** The scaling knob: change it and run `cdktf deploy`. */
      count: z.int('app.count must be a whole number').min(1, 'at least 1 app instance is required').max(100),
      instanceType: instanceType.default('t3.small'),
      /** The port nginx listens on; the load balancer's targets. */
      port: z.int().min(1).max(65535).default(80),
      rootVolumeGiB: z.int().min(8).max(1024).default(16),
    }),
    certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, 'expected an ACM certificate ARN').optional(),
    dns: z.strictObject({ zoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/, 'expected a Route 53 hosted zone id'), recordName: z.string().min(1) }).optional(),
    alarmEmail: z.email().optional(),
    backupRetentionDays: z.int().min(1).max(365).default(7),
    flowLogRetentionDays: logRetentionDays.default(90),
    appLogRetentionDays: logRetentionDays.default(30),
    accessLogRetentionDays: z.int().min(1).default(90),
    /** Defaults on: a production load balancer is never deleted by a stray `destroy`. */
    deletionProtection: z.boolean().default(true),
    stateBackend: stateBackend.default({ type: 'local' }),
  })
  .superRefine((config, ctx) => {
    config.adminCidrs.forEach((range, index) => {
      if (range.endsWith('/0') && !config.allowSshFromAnywhere) {
        ctx.addIssue({ code: 'custom', path: ['adminCidrs', index], message: `${range} opens SSH to the whole internet; set allowSshFromAnywhere: true to force it` });
      }
    });
    config.availabilityZones.forEach((zone, index) => {
      if (!zone.startsWith(config.region)) ctx.addIssue({ code: 'custom', path: ['availabilityZones', index], message: `${zone} is not in region ${config.region}` });
      if (config.availabilityZones.indexOf(zone) !== index) ctx.addIssue({ code: 'custom', path: ['availabilityZones', index], message: `${zone} is listed twice` });
    });
    if (config.certificateArn && !config.certificateArn.includes(`:acm:${config.region}:`)) {
      ctx.addIssue({ code: 'custom', path: ['certificateArn'], message: `the certificate must be in the stack's region ${config.region} (an ALB cannot use another region's certificate)` });
    }
    const backend = config.stateBackend;
    if (backend.type === 's3' && !backend.useLockfile && !backend.dynamodbTable) {
      ctx.addIssue({ code: 'custom', path: ['stateBackend', 'useLockfile'], message: 'state would be unlocked: keep useLockfile or set dynamodbTable' });
    }
  });

export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;

export interface EnvironmentConfig extends z.output<typeof environmentConfigSchema> {
  /** The environment's name: its file name without .yaml (staging, production). */
  name: string;
}

export class EnvironmentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentConfigError';
  }
}

const environmentName = /^[a-z][a-z0-9-]{0,30}$/;

/**
 * Validates a config object. `source` names it in errors; `lineOf` maps a field path to its line
 * in the source file, when there is one.
 */
export function parseEnvironmentConfig(name: string, input: unknown, source: string, lineOf: (path: PropertyKey[]) => number | undefined = () => undefined): EnvironmentConfig {
  if (!environmentName.test(name)) throw new EnvironmentConfigError(`${source}: the environment name ${JSON.stringify(name)} must be lower-case letters, digits and dashes`);
  const result = environmentConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const line = lineOf(issue.path);
      return `${line === undefined ? '' : `line ${line}: `}field ${formatFieldPath(issue.path) || '(top)'}: ${issue.message}`;
    });
    throw new EnvironmentConfigError(`${source}: ${problems.join('; ')}`);
  }
  return { ...result.data, name };
}

/** Loads environments/<name>.yaml; the environment's name is the file's base name. */
export function loadEnvironmentConfig(file: string): EnvironmentConfig {
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const error = document.errors[0];
    throw new EnvironmentConfigError(`${file}: line ${lineCounter.linePos(error.pos[0]).line}: not valid YAML (${error.message.split('\n')[0]})`);
  }
  const lineOf = (fieldPath: PropertyKey[]): number | undefined => {
    // The deepest node that exists: a missing field points at its parent mapping.
    for (let depth = fieldPath.length; depth >= 0; depth--) {
      const node = depth === 0 ? document.contents : document.getIn(fieldPath.slice(0, depth) as unknown[], true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range && (depth === fieldPath.length || isCollection(node))) return lineCounter.linePos(range[0]).line;
    }
    return undefined;
  };
  return parseEnvironmentConfig(path.basename(file, path.extname(file)), document.toJS(), file, lineOf);
}
