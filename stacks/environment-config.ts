import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isCollection, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { formatFieldPath } from '../src/contract/field-path';
import { AMI_ID, DEBIAN_BOOKWORM_AMD64, SSM_PARAMETER } from './machine-image';
import { DEFAULT_ALLOCATED_STORAGE_GIB } from './database';
import { findPlaceholders } from './placeholders';
import { MAX_VPC_PREFIX, MAX_ZONES } from './subnet-cidrs';

/*
 * One validated config per environment (environments/<name>.yaml). The guard rails live here, so
 * a config that breaks a rule fails `cdktf synth` before any resource exists, with one message
 * that names the file, the line and the field.
 */

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'expected an AWS region such as eu-west-1');
const image = z
  .string()
  .refine((value) => AMI_ID.test(value) || SSM_PARAMETER.test(value), `expected an AMI id such as ami-0123456789abcdef0 or an SSM parameter such as ${DEBIAN_BOOKWORM_AMD64}`);
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
// YAML reads an unquoted 012345678901 as the number 12345678901: the leading zero would be lost.
const accountId = z.string({ error: "expected a 12-digit AWS account id in quotes ('012345678901')" }).regex(/^\d{12}$/, 'expected a 12-digit AWS account id');
const rootVolumeGiB = z.int().min(8).max(1024);

/** CloudWatch Logs accepts only these retention periods; anything else fails at apply time. */
const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const logRetentionDays = z.int().refine((days) => CLOUDWATCH_RETENTION_DAYS.includes(days), `CloudWatch Logs keeps logs for one of ${CLOUDWATCH_RETENTION_DAYS.join(', ')} days`);

const vpcPrefixInRange = (value: string) => {
  const prefix = Number(value.split('/')[1]);
  return prefix >= 16 && prefix <= MAX_VPC_PREFIX;
};

/**
 * A PostgreSQL identifier RDS accepts: lower case (PostgreSQL folds unquoted names), at most
 * `maxLength` characters, and none of the names that are taken, each with the reason.
 */
function postgresName(maxLength: number, reserved: Record<string, string>, reservedPrefixes: Record<string, string> = {}) {
  return z
    .string()
    .regex(new RegExp(`^[a-z][a-z0-9_]{0,${maxLength - 1}}$`), `expected 1 to ${maxLength} lower-case letters, digits or underscores, starting with a letter`)
    .superRefine((name, ctx) => {
      const prefix = Object.keys(reservedPrefixes).find((start) => name.startsWith(start));
      const why = reserved[name] ?? (prefix === undefined ? undefined : reservedPrefixes[prefix]);
      if (why) ctx.addIssue({ code: 'custom', message: `${name} cannot be used: ${why}` });
    });
}

const databaseName = postgresName(
  63,
  {
    postgres: 'RDS creates a database of that name itself',
    template0: "it is one of PostgreSQL's template databases",
    template1: "it is one of PostgreSQL's template databases",
    rdsadmin: "it is RDS's own database",
  },
);
// RDS documents at most 16 characters for the master user's name.
const databaseUser = postgresName(
  16,
  {
    admin: 'RDS for PostgreSQL refuses it as a word the engine reserves',
    rdsadmin: "it is RDS's own administrator",
    postgres: "it is the superuser of Debian's PostgreSQL, which the lab runs: the app gets a role of its own",
    user: 'it is an SQL reserved word',
    public: 'PostgreSQL reserves it for the group of every role',
  },
  { pg_: 'PostgreSQL reserves role names starting with pg_', rds_: "RDS's own roles (rds_superuser ...) start with rds_" },
);

/** Graviton families (t4g, m7g, c6gn, r8gd...): the letter g after the generation digit. */
const isArm64 = (type: string) => /^[a-z]+\d+[a-z]*g[a-z]*\./.test(type);

const stateBackend = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('local'),
    /** Relative to the project root. Default: state/terraform.<stack>.tfstate (state-backend.ts). */
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

/*
 * Settings that a construct also takes (instance types, sizes, retention days, NAT layout, deletion
 * protection) have no default here: a field left out reaches the construct as undefined, and the
 * construct's documented default applies. Each default has one home.
 */
export const environmentConfigSchema = z
  .strictObject({
    region: awsRegion,
    /** The only accounts the provider may act in: credentials for any other account fail before any change. */
    allowedAccountIds: z.array(accountId).min(1, 'name the AWS account this environment lives in'),
    /** At least two, so the load balancer and the app tier survive the loss of one zone. */
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'expected an availability zone such as eu-west-1a'))
      .min(2, 'at least 2 availability zones are required for high availability')
      .max(MAX_ZONES, `at most ${MAX_ZONES} availability zones fit the subnet layout (the VPC's last sixteenth holds the database subnets)`),
    /** /16 to /21: it is cut into 16 equal blocks (public and private per zone), the last one into 8 database subnets. */
    vpcCidr: cidr.refine(vpcPrefixInRange, `the VPC CIDR prefix must be between /16 and /${MAX_VPC_PREFIX} (a database subnet is 1/128 of it, and the smallest subnet AWS allows is a /28)`),
    /** `single`: one NAT gateway shared by all zones (cheaper); `per-az`: one per zone (no cross-zone dependency). */
    natGateways: z.enum(['single', 'per-az']).optional(),
    /** A literal AMI id or an SSM parameter naming one; default: Debian 12's current amd64 image (machine-image.ts). */
    ami: image.optional(),
    sshUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('admin'),
    sshPublicKey,
    adminCidrs: z.array(cidr).min(1, 'at least one admin CIDR must be allowed to reach the bastion'),
    /** Must be set to allow SSH to the bastion from a /0 range: the escape hatch is explicit. */
    allowSshFromAnywhere: z.boolean().default(false),
    bastion: z.strictObject({ instanceType: instanceType.optional() }).optional(),
    app: z.strictObject({
      /** The scaling knob: change it and run `cdktf deploy`. */
      count: z.int('app.count must be a whole number').min(1, 'at least 1 app instance is required').max(100),
      instanceType: instanceType.optional(),
      /** The port nginx listens on; the load balancer's targets. */
      port: z.int().min(1).max(65535).optional(),
      rootVolumeGiB: rootVolumeGiB.optional(),
      /** Instances that exist but are not in the target group: new ones until `play site` has configured them. */
      outOfService: z.array(z.string().regex(/^app-[1-9]\d*$/, 'expected an app instance name such as app-3')).optional(),
    }),
    /** The log collector (inventory host `logs`). */
    logs: z.strictObject({ instanceType: instanceType.optional(), rootVolumeGiB: rootVolumeGiB.optional() }).optional(),
    certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, 'expected an ACM certificate ARN').optional(),
    dns: z.strictObject({ zoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/, 'expected a Route 53 hosted zone id'), recordName: z.string().min(1) }).optional(),
    alarmEmail: z.email().optional(),
    backupRetentionDays: z.int().min(1).max(365).optional(),
    flowLogRetentionDays: logRetentionDays.optional(),
    accessLogRetentionDays: z.int().min(1).optional(),
    /** Off: the load balancer and the database may be deleted, and the access-log bucket is emptied on `destroy` (staging). */
    deletionProtection: z.boolean().optional(),
    /** RDS for PostgreSQL (construct: database, which holds every default). */
    database: z
      .strictObject({
        /** '16' (RDS's current 16.x, upgraded in the maintenance window) or a pinned minor such as '16.4'; quoted, as YAML reads 16.10 as 16.1. */
        engineVersion: z.string({ error: "expected a PostgreSQL version in quotes, such as '16' or '16.4'" }).regex(/^[1-9]\d(\.\d+)?$/, "expected a PostgreSQL version such as '16' or '16.4'").optional(),
        instanceClass: z.string().regex(/^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'expected an RDS instance class such as db.t4g.micro (they start with db.)').optional(),
        /** gp3 storage starts at 20 GiB for PostgreSQL. */
        allocatedStorageGiB: z.int().min(20).max(1000).optional(),
        /** Storage autoscaling up to this; left out, none. */
        maxAllocatedStorageGiB: z.int().max(65536).optional(),
        /** A standby in another zone. */
        multiAz: z.boolean().optional(),
        /** A snapshot when the instance is deleted; kept on when deletionProtection is turned off to destroy. */
        finalSnapshot: z.boolean().optional(),
        /** Automated backups kept: the point-in-time restore window. RDS keeps 1 to 35 days (0 would turn backups off). */
        backupRetentionDays: z.int().min(1).max(35).optional(),
        performanceInsights: z.boolean().optional(),
        name: databaseName.optional(),
        user: databaseUser.optional(),
      })
      .optional(),
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
    (config.app.outOfService ?? []).forEach((name, index, names) => {
      if (Number(name.slice('app-'.length)) > config.app.count) ctx.addIssue({ code: 'custom', path: ['app', 'outOfService', index], message: `${name} does not exist: app.count is ${config.app.count}` });
      if (names.indexOf(name) !== index) ctx.addIssue({ code: 'custom', path: ['app', 'outOfService', index], message: `${name} is listed twice` });
    });
    const imageArch = /\/(amd64|arm64)$/.exec(config.ami ?? DEBIAN_BOOKWORM_AMD64)?.[1];
    const typed: Array<[PropertyKey[], string | undefined]> = [[['bastion', 'instanceType'], config.bastion?.instanceType], [['app', 'instanceType'], config.app.instanceType], [['logs', 'instanceType'], config.logs?.instanceType]];
    for (const [fieldPath, type] of typed) {
      if (type && imageArch && isArm64(type) !== (imageArch === 'arm64')) {
        ctx.addIssue({ code: 'custom', path: fieldPath, message: `${type} is ${isArm64(type) ? 'arm64' : 'amd64'} but the image ${config.ami ?? DEBIAN_BOOKWORM_AMD64} is ${imageArch}: set ami to a matching image` });
      }
    }
    if (config.certificateArn && !config.certificateArn.includes(`:acm:${config.region}:`)) {
      ctx.addIssue({ code: 'custom', path: ['certificateArn'], message: `the certificate must be in the stack's region ${config.region} (an ALB cannot use another region's certificate)` });
    }
    // RDS refuses a storage autoscaling ceiling less than 10% above the allocated storage.
    const allocated = config.database?.allocatedStorageGiB ?? DEFAULT_ALLOCATED_STORAGE_GIB;
    const lowestCeiling = Math.ceil((allocated * 11) / 10);
    if (config.database?.maxAllocatedStorageGiB !== undefined && config.database.maxAllocatedStorageGiB < lowestCeiling) {
      ctx.addIssue({ code: 'custom', path: ['database', 'maxAllocatedStorageGiB'], message: `the storage autoscaling ceiling must be at least 10% above the allocated ${allocated} GiB: ${lowestCeiling} or more` });
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

/** Words joined by single dashes: RDS identifiers (webtier-<name>-database) allow no `--` and no dash at the end. */
const environmentName = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Names built from the environment's hit AWS limits past 19 characters: the flow-log role's name
 * prefix `webtier-<name>-flow-logs-` may have at most 38 (IAM), the access-log bucket's prefix
 * `webtier-<name>-alb-logs-` at most 37 (S3). Refused here, with the reason, before `terraform validate` would.
 */
const MAX_NAME_LENGTH = 19;

function nameProblem(name: string): string | undefined {
  if (!environmentName.test(name)) return `the environment name ${JSON.stringify(name)} must be lower-case letters and digits, words joined by single dashes (RDS names allow no '--' and no dash at the end)`;
  if (name.length > MAX_NAME_LENGTH) {
    return `the environment name ${JSON.stringify(name)} has ${name.length} characters, at most ${MAX_NAME_LENGTH} fit: AWS caps the IAM role name prefix webtier-<name>-flow-logs- at 38 characters and the S3 bucket prefix webtier-<name>-alb-logs- at 37 (rename the file)`;
  }
  return undefined;
}

/**
 * Validates a config object. `source` names it in errors; `lineOf` maps a field path to its line
 * in the source file, when there is one. Every problem, and every example value left from the
 * template, is reported in one error.
 */
export function parseEnvironmentConfig(name: string, input: unknown, source: string, lineOf: (path: PropertyKey[]) => number | undefined = () => undefined): EnvironmentConfig {
  const at = (fieldPath: PropertyKey[]) => {
    const line = lineOf(fieldPath);
    return `${line === undefined ? '' : `line ${line}: `}field ${formatFieldPath(fieldPath) || '(top)'}`;
  };
  const result = environmentConfigSchema.safeParse(input);
  const problems = [nameProblem(name), ...(result.error?.issues ?? []).map((issue) => `${at(issue.path)}: ${issue.message}`)].filter((problem) => problem !== undefined);
  const placeholders = findPlaceholders(input).map((found) => `  ${at(found.path)}: ${found.message}`);
  if (placeholders.length > 0) problems.push(`the template's example values are still in place; edit each of these fields before the first deploy:\n${placeholders.join('\n')}`);
  if (problems.length > 0 || !result.success) throw new EnvironmentConfigError(`${source}: ${problems.join('; ')}`);
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
