import { z } from 'zod';

/**
 * The seam between the two halves: what the stack (or the lab) outputs, and what the inventory
 * bridge consumes. The stack declares these as Terraform outputs with exactly these ids; the lab
 * writes the same shape. Keep this the single definition of the contract.
 */

export const appInstanceOutput = z.object({
  /** Inventory name, stable across deploys: app-1, app-2, ... */
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  private_ip: z.string(),
  availability_zone: z.string(),
  /** EC2 instance id (the ALB target id); absent in the lab. */
  instance_id: z.string().optional(),
});

/** How play drains and re-enables an app host on the load balancer. */
export const loadBalancerOutput = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('alb'), region: z.string(), target_group_arn: z.string(), port: z.number().int().default(80) }),
  z.object({
    driver: z.literal('haproxy'),
    /** The HAProxy runtime API as host:port, reachable from the controller. */
    admin_address: z.string(),
    backend: z.string(),
  }),
]);

/**
 * Where the database credential lives, by `kind`: readers switch on it, so another store (the lab's
 * own, a vault) is one more member here and changes none of them.
 */
export const databaseCredentialOutput = z.discriminatedUnion('kind', [
  z.object({
    /** RDS-managed: a Secrets Manager secret (JSON with `username` and `password`) that RDS rotates. */
    kind: z.literal('secretsmanager'),
    secret_arn: z.string(),
  }),
  z.object({
    /** The password is an inventory variable (vault-encrypted by the operator): the lab's database, which play configures. */
    kind: z.literal('inventory'),
    variable: z.string().regex(/^[a-z_][a-z0-9_]*$/),
  }),
]);

/** The app's PostgreSQL database. */
export const databaseOutput = z.object({
  /** Host name (no port). */
  endpoint: z.string(),
  port: z.number().int(),
  /** The database's name. */
  name: z.string(),
  /** The user the app logs in as. */
  user: z.string(),
  credential: databaseCredentialOutput,
  /** The inventory host that runs it, when play configures it (the lab's); absent for a managed service (RDS). */
  host: z.string().regex(/^[a-z][a-z0-9-]*$/).optional(),
});

export const stackOutputs = z.object({
  environment: z.string(),
  /** Public DNS name (or address) of the load balancer. */
  load_balancer_dns: z.string(),
  bastion_public_ip: z.string(),
  /** Login user on every host (Debian's cloud images: admin). */
  ssh_user: z.string().default('admin'),
  app_instances: z.array(appInstanceOutput).min(1),
  /** Optional log collector hosts in the private network (the lab's `logs` host). */
  log_collectors: z.array(appInstanceOutput).default([]),
  load_balancer: loadBalancerOutput,
  /** Optional: outputs written before the stack had a database still parse. */
  database: databaseOutput.optional(),
});

export type AppInstanceOutput = z.infer<typeof appInstanceOutput>;
export type DatabaseOutput = z.infer<typeof databaseOutput>;
export type StackOutputs = z.infer<typeof stackOutputs>;

/** Terraform output ids, as `cdktf output --outputs-file` and `terraform output -json` name them. */
export const OUTPUT_IDS = {
  environment: 'environment',
  loadBalancerDns: 'load_balancer_dns',
  bastionPublicIp: 'bastion_public_ip',
  sshUser: 'ssh_user',
  appInstances: 'app_instances',
  logCollectors: 'log_collectors',
  loadBalancer: 'load_balancer',
  database: 'database',
} as const;
