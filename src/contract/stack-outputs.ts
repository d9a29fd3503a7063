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
});

export type AppInstanceOutput = z.infer<typeof appInstanceOutput>;
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
} as const;
