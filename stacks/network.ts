import { Construct } from 'constructs';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { assumeRolePolicy, policyDocument } from './iam-policy';
import { subnetCidrs } from './subnet-cidrs';

export interface NetworkProps {
  /** Prefix for names, e.g. webtier-staging. */
  readonly namePrefix: string;
  readonly cidr: string;
  /** One public, one private and one database subnet per zone, in this order. */
  readonly availabilityZones: string[];
  /** `single` (default): one NAT gateway for all zones; `per-az`: one per zone. */
  readonly natGateways?: 'single' | 'per-az';
  /** Days VPC flow logs are kept. Default 90. */
  readonly flowLogRetentionDays?: number;
}

/**
 * The VPC: public, private and database subnet per zone, internet and NAT gateways, routes (none
 * out of the database subnets, not even through NAT), flow logs, and its default security group
 * emptied of AWS's allow-all rules (a resource launched without a group would otherwise reach,
 * and be reached by, everything else in that group).
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnets: Subnet[];
  readonly privateSubnets: Subnet[];
  readonly databaseSubnets: Subnet[];
  readonly natGateways: NatGateway[];
  readonly flowLog: FlowLog;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const cidrs = subnetCidrs(props.cidr, props.availabilityZones.length);
    this.vpc = new Vpc(this, 'vpc', { cidrBlock: props.cidr, enableDnsHostnames: true, enableDnsSupport: true });
    new DefaultSecurityGroup(this, 'default-security-group', { vpcId: this.vpc.id, ingress: [], egress: [] });

    this.publicSubnets = props.availabilityZones.map(
      (zone, i) => new Subnet(this, `public-${zone}`, { vpcId: this.vpc.id, availabilityZone: zone, cidrBlock: cidrs.public[i], mapPublicIpOnLaunch: false }),
    );
    this.privateSubnets = props.availabilityZones.map(
      (zone, i) => new Subnet(this, `private-${zone}`, { vpcId: this.vpc.id, availabilityZone: zone, cidrBlock: cidrs.private[i], mapPublicIpOnLaunch: false }),
    );
    this.databaseSubnets = props.availabilityZones.map(
      (zone, i) => new Subnet(this, `database-${zone}`, { vpcId: this.vpc.id, availabilityZone: zone, cidrBlock: cidrs.database[i], mapPublicIpOnLaunch: false }),
    );

    const gateway = new InternetGateway(this, 'igw', { vpcId: this.vpc.id });
    const publicRoutes = new RouteTable(this, 'public-routes', { vpcId: this.vpc.id });
    new Route(this, 'public-default', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: gateway.id });
    this.publicSubnets.forEach((subnet, i) => new RouteTableAssociation(this, `public-${props.availabilityZones[i]}-routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id }));

    const natZones = props.natGateways === 'per-az' ? props.availabilityZones : props.availabilityZones.slice(0, 1);
    this.natGateways = natZones.map((zone, i) => {
      const address = new Eip(this, `nat-${zone}-ip`, { domain: 'vpc' });
      return new NatGateway(this, `nat-${zone}`, { allocationId: address.allocationId, subnetId: this.publicSubnets[i].id, dependsOn: [gateway] });
    });
    this.privateSubnets.forEach((subnet, i) => {
      const zone = props.availabilityZones[i];
      const routes = new RouteTable(this, `private-${zone}-routes`, { vpcId: this.vpc.id });
      new Route(this, `private-${zone}-default`, { routeTableId: routes.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: this.natGateways[i % this.natGateways.length].id });
      new RouteTableAssociation(this, `private-${zone}-association`, { subnetId: subnet.id, routeTableId: routes.id });
    });
    // Only the VPC's local route: the database answers the app hosts and reaches nothing itself.
    // Its own table, not the VPC's main one, so a route added there later cannot reach it.
    const databaseRoutes = new RouteTable(this, 'database-routes', { vpcId: this.vpc.id });
    this.databaseSubnets.forEach((subnet, i) => new RouteTableAssociation(this, `database-${props.availabilityZones[i]}-association`, { subnetId: subnet.id, routeTableId: databaseRoutes.id }));

    const logGroup = new CloudwatchLogGroup(this, 'flow-logs', { name: `/${props.namePrefix}/vpc-flow-logs`, retentionInDays: props.flowLogRetentionDays ?? 90 });
    const role = new IamRole(this, 'flow-logs-role', { namePrefix: `${props.namePrefix}-flow-logs-`, assumeRolePolicy: assumeRolePolicy(this, 'flow-logs-trust', 'vpc-flow-logs.amazonaws.com') });
    new IamRolePolicy(this, 'flow-logs-write', {
      role: role.id,
      policy: policyDocument(this, 'flow-logs-write-policy', [
        { actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [`${logGroup.arn}:*`] },
      ]),
    });
    this.flowLog = new FlowLog(this, 'flow-log', { vpcId: this.vpc.id, trafficType: 'ALL', logDestination: logGroup.arn, iamRoleArn: role.arn, maxAggregationInterval: 60 });
  }
}
