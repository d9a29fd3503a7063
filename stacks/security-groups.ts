import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule, type VpcSecurityGroupIngressRuleConfig } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { VpcSecurityGroupEgressRule, type VpcSecurityGroupEgressRuleConfig } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';

export interface SecurityGroupsProps {
  readonly namePrefix: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Ranges allowed to SSH to the bastion (validated upstream: no /0 unless forced). */
  readonly adminCidrs: string[];
  /** Port the app instances serve HTTP on. */
  readonly appPort: number;
  /** Whether the load balancer listens on 443 (a certificate is configured). */
  readonly https: boolean;
  /** Port the database listens on. */
  readonly databasePort: number;
}

type RuleConfig = Omit<VpcSecurityGroupIngressRuleConfig & VpcSecurityGroupEgressRuleConfig, 'securityGroupId'> & { description: string };

const TCP = 'tcp';
const ANYWHERE = '0.0.0.0/0';
/** rsyslog over TLS: roles/rsyslog's rsyslog_tls_port. */
export const SYSLOG_TLS_PORT = 6514;

/**
 * The chain of trust as security groups: internet -> ALB -> app:HTTP, admins -> bastion -> app:22
 * and logs:22, app and bastion -> logs:6514 (rsyslog over TLS), app -> database (PostgreSQL);
 * groups reference groups, not ranges. One resource per rule (aws_vpc_security_group_*_rule), each
 * with a description, so a rule can change without touching the group, and no group has AWS's
 * default allow-all egress.
 */
export class SecurityGroups extends Construct {
  readonly loadBalancer: SecurityGroup;
  readonly bastion: SecurityGroup;
  readonly app: SecurityGroup;
  readonly logs: SecurityGroup;
  readonly database: SecurityGroup;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const group = (name: string, description: string) =>
      new SecurityGroup(this, name, { namePrefix: `${props.namePrefix}-${name}-`, description, vpcId: props.vpcId, lifecycle: { createBeforeDestroy: true } });
    this.loadBalancer = group('alb', 'Application load balancer: HTTP(S) from the internet, to the app instances only');
    this.bastion = group('bastion', 'SSH bastion: SSH from the admin ranges, SSH to the VPC');
    this.app = group('app', 'App instances: HTTP from the load balancer, SSH from the bastion');
    this.logs = group('logs', 'Log collector: syslog over TLS from the app instances and the bastion, SSH from the bastion');
    this.database = group('database', 'Database: PostgreSQL from the app instances only');

    const ingress = (sg: SecurityGroup, name: string, rule: RuleConfig) => new VpcSecurityGroupIngressRule(this, name, { securityGroupId: sg.id, ...rule });
    const egress = (sg: SecurityGroup, name: string, rule: RuleConfig) => new VpcSecurityGroupEgressRule(this, name, { securityGroupId: sg.id, ...rule });

    ingress(this.loadBalancer, 'alb-in-http', { description: props.https ? 'HTTP from the internet (redirected to HTTPS)' : 'HTTP from the internet', ipProtocol: TCP, fromPort: 80, toPort: 80, cidrIpv4: ANYWHERE });
    if (props.https) ingress(this.loadBalancer, 'alb-in-https', { description: 'HTTPS from the internet', ipProtocol: TCP, fromPort: 443, toPort: 443, cidrIpv4: ANYWHERE });
    egress(this.loadBalancer, 'alb-out-app', { description: 'HTTP to the app instances (targets and health checks)', ipProtocol: TCP, fromPort: props.appPort, toPort: props.appPort, referencedSecurityGroupId: this.app.id });

    props.adminCidrs.forEach((range, i) =>
      ingress(this.bastion, `bastion-in-ssh-${i + 1}`, { description: `SSH from admin range ${range}`, ipProtocol: TCP, fromPort: 22, toPort: 22, cidrIpv4: range }),
    );
    egress(this.bastion, 'bastion-out-ssh', { description: 'SSH to hosts in the VPC (ProxyJump)', ipProtocol: TCP, fromPort: 22, toPort: 22, cidrIpv4: props.vpcCidr });

    ingress(this.app, 'app-in-http', { description: 'HTTP from the load balancer', ipProtocol: TCP, fromPort: props.appPort, toPort: props.appPort, referencedSecurityGroupId: this.loadBalancer.id });
    ingress(this.app, 'app-in-ssh', { description: 'SSH from the bastion', ipProtocol: TCP, fromPort: 22, toPort: 22, referencedSecurityGroupId: this.bastion.id });

    const syslog = { ipProtocol: TCP, fromPort: SYSLOG_TLS_PORT, toPort: SYSLOG_TLS_PORT };
    for (const [sg, role] of [[this.app, 'app'], [this.bastion, 'bastion']] as const) {
      egress(sg, `${role}-out-syslog`, { description: 'Syslog over TLS to the log collector', ...syslog, referencedSecurityGroupId: this.logs.id });
      ingress(this.logs, `logs-in-syslog-${role}`, { description: `Syslog over TLS from the ${role === 'app' ? 'app instances' : 'bastion'}`, ...syslog, referencedSecurityGroupId: sg.id });
    }
    ingress(this.logs, 'logs-in-ssh', { description: 'SSH from the bastion', ipProtocol: TCP, fromPort: 22, toPort: 22, referencedSecurityGroupId: this.bastion.id });

    // The database talks only to the app hosts: no SSH (RDS has none), and no egress rule at all.
    const postgres = { ipProtocol: TCP, fromPort: props.databasePort, toPort: props.databasePort };
    egress(this.app, 'app-out-database', { description: 'PostgreSQL to the database', ...postgres, referencedSecurityGroupId: this.database.id });
    ingress(this.database, 'database-in-app', { description: 'PostgreSQL from the app instances', ...postgres, referencedSecurityGroupId: this.app.id });

    // Package updates (apt over HTTP/HTTPS) via the NAT gateway or the bastion's Elastic IP; nothing else leaves.
    for (const [sg, role] of [[this.bastion, 'bastion'], [this.app, 'app'], [this.logs, 'logs']] as const) {
      egress(sg, `${role}-out-http`, { description: 'HTTP for OS package updates', ipProtocol: TCP, fromPort: 80, toPort: 80, cidrIpv4: ANYWHERE });
      egress(sg, `${role}-out-https`, { description: 'HTTPS for OS package updates and AWS APIs', ipProtocol: TCP, fromPort: 443, toPort: 443, cidrIpv4: ANYWHERE });
    }
  }
}
