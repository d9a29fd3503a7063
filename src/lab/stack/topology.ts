/**
 * What the lab takes from a synthesized stack (`cdk.tf.json`): the instances, the security groups
 * with their rules, the load balancer and the outputs. Read from Terraform's JSON, never from the
 * stacks' TypeScript, so the lab rehearses exactly what `cdktf deploy` would create.
 */

/** The roles the lab can boot: an instance's `Role` tag names one; `database` stands in for RDS. */
export type InstanceRole = 'bastion' | 'app' | 'logs' | 'database';

export interface StackInstance {
  /** Terraform address, e.g. `aws_instance.app-tier_app-1_instance_EDDC3590` (or the aws_db_instance's). */
  address: string;
  /** Inventory name: `bastion`, `db` for the database, or the name the outputs give it (`app-1`, `logs`). */
  name: string;
  role: InstanceRole;
  /** In a subnet whose route table sends 0.0.0.0/0 to an internet gateway. */
  public: boolean;
  /** The subnet's CIDR block, for security-group rules written as VPC ranges. */
  subnetCidr: string;
  availabilityZone: string;
  /** Security-group keys (see StackSecurityGroup.key) of vpc_security_group_ids. */
  securityGroups: string[];
}

/** A rule's other side: a CIDR block or another group (by key). */
export type RulePeer = { cidr: string } | { group: string };

export interface SecurityGroupRule {
  /** Terraform address of the aws_vpc_security_group_*_rule, e.g. `aws_vpc_security_group_ingress_rule.security-groups_app-in-ssh_E2111B49`. */
  address: string;
  description: string;
  direction: 'ingress' | 'egress';
  /** The group the rule belongs to (key). */
  group: string;
  /** `tcp`, `udp`, `icmp` or `all` (Terraform's `-1`). */
  protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  /** Inclusive port range; undefined for icmp and all. */
  fromPort?: number;
  toPort?: number;
  peer: RulePeer;
}

export interface StackSecurityGroup {
  /** The group's Terraform logical id, e.g. `security-groups_app_9A0655E7`. */
  key: string;
  /** Its Name tag, or the logical id when it has none. */
  name: string;
}

export interface HealthCheck {
  path: string;
  /** HTTP status codes that pass, as the target group's matcher (`200`, `200-299`, `200,301`). */
  matcher: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

export type ListenerAction = { type: 'forward' } | { type: 'redirect'; protocol: string; port: string; statusCode: number };

export interface Listener {
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  action: ListenerAction;
}

export interface StackLoadBalancer {
  address: string;
  /** Security-group keys of the load balancer. */
  securityGroups: string[];
  listeners: Listener[];
  /** The target group's port and health check. */
  targetPort: number;
  healthCheck: HealthCheck;
  deregistrationDelaySeconds: number;
  /** Inventory names of the instances attached to the target group (app.outOfService leaves some out). */
  targets: string[];
}

export interface StackTopology {
  /** The file read. */
  file: string;
  /** The VPC's CIDR block. */
  vpcCidr: string;
  instances: StackInstance[];
  securityGroups: StackSecurityGroup[];
  rules: SecurityGroupRule[];
  loadBalancer: StackLoadBalancer;
  /** Elastic IPs attached to instances: logical id → instance name. */
  elasticIps: Record<string, string>;
  /** Logical ids of aws_route53_record resources that alias the load balancer. */
  loadBalancerAliases: string[];
  /** The stack's `output` block as synthesized: values with `${...}` references still in them. */
  outputs: Record<string, unknown>;
}
