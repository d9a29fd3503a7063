import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KeyPair } from '@cdktf/provider-aws/lib/key-pair';
import type { DatabaseOutput, OUTPUT_IDS } from '../src/contract/stack-outputs';
import type { EnvironmentConfig } from './environment-config';
import { Network } from './network';
import { SecurityGroups } from './security-groups';
import { Bastion } from './bastion';
import { AlbLogsBucket } from './alb-logs-bucket';
import { DEFAULT_TARGET_PORT, LoadBalancer } from './load-balancer';
import { Monitoring } from './monitoring';
import { AppTier } from './app-tier';
import { Backups } from './backups';
import { LogCollector } from './log-collector';
import { Database, POSTGRES_PORT } from './database';
import { machineImage } from './machine-image';
import { Dns } from './dns';
import { configureStateBackend } from './state-backend';
import { tagRole } from './role-tags';

export const PROJECT = 'webtier';

/** The stack's name for an environment: webtier-staging, webtier-production. */
export function stackName(environment: string): string {
  return `${PROJECT}-${environment}`;
}

/** Exactly the output ids of the contract the inventory bridge parses: a missing or extra one is a type error. */
type OutputValues = Record<(typeof OUTPUT_IDS)[keyof typeof OUTPUT_IDS], unknown>;

/** One environment's web tier: network, bastion, load balancer, app instances, database, log collector, monitoring, backups. */
export class WebTierStack extends TerraformStack {
  readonly network: Network;
  readonly securityGroups: SecurityGroups;
  readonly bastion: Bastion;
  readonly albLogs: AlbLogsBucket;
  readonly loadBalancer: LoadBalancer;
  readonly monitoring: Monitoring;
  readonly appTier: AppTier;
  readonly logCollector: LogCollector;
  readonly database: Database;
  readonly backups: Backups;
  readonly dns?: Dns;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, stackName(config.name));
    const namePrefix = stackName(config.name);
    configureStateBackend(this, config.stateBackend, namePrefix);
    new AwsProvider(this, 'aws', {
      region: config.region,
      allowedAccountIds: config.allowedAccountIds,
      defaultTags: [{ tags: { Project: PROJECT, Environment: config.name, ManagedBy: 'cdktf' } }],
    });
    const ami = machineImage(this, 'image', config.ami);
    const appPort = config.app.port ?? DEFAULT_TARGET_PORT;

    this.network = new Network(this, 'network', {
      namePrefix,
      cidr: config.vpcCidr,
      availabilityZones: config.availabilityZones,
      natGateways: config.natGateways,
      flowLogRetentionDays: config.flowLogRetentionDays,
    });
    this.securityGroups = new SecurityGroups(this, 'security-groups', {
      namePrefix,
      vpcId: this.network.vpc.id,
      vpcCidr: config.vpcCidr,
      adminCidrs: config.adminCidrs,
      appPort,
      https: config.certificateArn !== undefined,
      databasePort: POSTGRES_PORT,
    });
    const adminKey = new KeyPair(this, 'admin-key', { keyNamePrefix: `${namePrefix}-admin-`, publicKey: config.sshPublicKey });
    this.albLogs = new AlbLogsBucket(this, 'alb-logs', {
      namePrefix,
      region: config.region,
      retentionDays: config.accessLogRetentionDays,
      // An environment without deletion protection (staging) can be destroyed with its logs in the bucket.
      forceDestroy: config.deletionProtection === false,
    });
    this.loadBalancer = new LoadBalancer(this, 'load-balancer', {
      vpcId: this.network.vpc.id,
      subnetIds: this.network.publicSubnets.map((subnet) => subnet.id),
      securityGroupId: this.securityGroups.loadBalancer.id,
      accessLogsBucket: this.albLogs.bucket.id,
      accessLogsPrefix: this.albLogs.prefix,
      accessLogsPolicy: this.albLogs.policy,
      certificateArn: config.certificateArn,
      targetPort: appPort,
      deletionProtection: config.deletionProtection,
    });
    this.monitoring = new Monitoring(this, 'monitoring', {
      namePrefix,
      alarmEmail: config.alarmEmail,
      loadBalancerArnSuffix: this.loadBalancer.alb.arnSuffix,
      targetGroupArnSuffix: this.loadBalancer.targetGroup.arnSuffix,
    });
    this.bastion = new Bastion(this, 'bastion', {
      namePrefix,
      region: config.region,
      ami,
      instanceType: config.bastion?.instanceType,
      subnetId: this.network.publicSubnets[0].id,
      securityGroupId: this.securityGroups.bastion.id,
      keyName: adminKey.keyName,
      alarmTopicArn: this.monitoring.topic.arn,
    });
    // Not `database`: that is the output's id.
    this.database = new Database(this, 'postgres', {
      namePrefix,
      subnetIds: this.network.databaseSubnets.map((subnet) => subnet.id),
      securityGroupId: this.securityGroups.database.id,
      alarmTopicArn: this.monitoring.topic.arn,
      engineVersion: config.database?.engineVersion,
      instanceClass: config.database?.instanceClass,
      allocatedStorageGiB: config.database?.allocatedStorageGiB,
      maxAllocatedStorageGiB: config.database?.maxAllocatedStorageGiB,
      multiAz: config.database?.multiAz,
      deletionProtection: config.deletionProtection,
      finalSnapshot: config.database?.finalSnapshot,
      backupRetentionDays: config.database?.backupRetentionDays,
      performanceInsights: config.database?.performanceInsights,
      databaseName: config.database?.name,
      username: config.database?.user,
    });
    const backupTags = { Backup: `${namePrefix}-daily` };
    this.appTier = new AppTier(this, 'app-tier', {
      namePrefix,
      region: config.region,
      count: config.app.count,
      ami,
      instanceType: config.app.instanceType,
      subnets: this.network.privateSubnets.map((subnet, i) => ({ id: subnet.id, availabilityZone: config.availabilityZones[i] })),
      securityGroupId: this.securityGroups.app.id,
      keyName: adminKey.keyName,
      targetGroupArn: this.loadBalancer.targetGroup.arn,
      targetPort: this.loadBalancer.port,
      outOfService: config.app.outOfService,
      alarmTopicArn: this.monitoring.topic.arn,
      rootVolumeGiB: config.app.rootVolumeGiB,
      volumeTags: backupTags,
      readableSecretArns: [this.database.credentialSecretArn],
    });
    // The second zone: losing one zone never takes both the bastion (first zone) and the collector.
    // Index 1 always exists (two zones at least) and does not move when zones are added.
    this.logCollector = new LogCollector(this, 'log-collector', {
      namePrefix,
      region: config.region,
      ami,
      instanceType: config.logs?.instanceType,
      subnetId: this.network.privateSubnets[1].id,
      availabilityZone: config.availabilityZones[1],
      securityGroupId: this.securityGroups.logs.id,
      keyName: adminKey.keyName,
      rootVolumeGiB: config.logs?.rootVolumeGiB,
      volumeTags: backupTags,
      alarmTopicArn: this.monitoring.topic.arn,
    });
    this.backups = new Backups(this, 'backups', { namePrefix, targetTags: backupTags, retentionDays: config.backupRetentionDays });
    if (config.dns) {
      this.dns = new Dns(this, 'dns', {
        zoneId: config.dns.zoneId,
        recordName: config.dns.recordName,
        loadBalancerDnsName: this.loadBalancer.alb.dnsName,
        loadBalancerZoneId: this.loadBalancer.alb.zoneId,
      });
    }

    const roles: Array<[Construct, string]> = [
      [this.network, 'network'],
      [this.securityGroups, 'network'],
      [this.bastion, 'bastion'],
      [this.albLogs, 'load-balancer'],
      [this.loadBalancer, 'load-balancer'],
      [this.monitoring, 'monitoring'],
      [this.appTier, 'app'],
      [this.logCollector, 'logs'],
      [this.database, 'database'],
      [this.backups, 'backups'],
      [adminKey, 'access'],
    ];
    roles.forEach(([construct, role]) => tagRole(construct, role, namePrefix));

    this.declareOutputs(config);
  }

  /** Static output ids (no construct path in the names), in the shape of src/contract/stack-outputs.ts. */
  private declareOutputs(config: EnvironmentConfig): void {
    const outputs: OutputValues = {
      environment: config.name,
      load_balancer_dns: this.dns ? this.dns.record.fqdn : this.loadBalancer.alb.dnsName,
      bastion_public_ip: this.bastion.publicIp.publicIp,
      ssh_user: config.sshUser,
      app_instances: this.appTier.instances.map((app) => ({ name: app.name, private_ip: app.instance.privateIp, availability_zone: app.availabilityZone, instance_id: app.instance.id })),
      log_collectors: [{ name: this.logCollector.name, private_ip: this.logCollector.instance.privateIp, availability_zone: this.logCollector.availabilityZone, instance_id: this.logCollector.instance.id }],
      load_balancer: { driver: 'alb', region: config.region, target_group_arn: this.loadBalancer.targetGroup.arn, port: this.loadBalancer.port },
      database: {
        endpoint: this.database.instance.address,
        port: this.database.port,
        name: this.database.databaseName,
        user: this.database.username,
        credential: { kind: 'secretsmanager', secret_arn: this.database.credentialSecretArn },
      } satisfies DatabaseOutput,
    };
    for (const [id, value] of Object.entries(outputs)) new TerraformOutput(this, id, { value, staticId: true });
  }
}
