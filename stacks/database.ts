import { Construct } from 'constructs';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';

/** PostgreSQL's port; the security groups open it from the app instances to the database. */
export const POSTGRES_PORT = 5432;

const GIB = 1024 ** 3;
export const DEFAULT_ALLOCATED_STORAGE_GIB = 20;

export interface DatabaseProps {
  /** Prefix for names, e.g. webtier-staging: the instance is `<prefix>-database`. */
  readonly namePrefix: string;
  /** The database subnets, one per zone: RDS wants a subnet group in at least two zones. */
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  /** SNS topic every alarm notifies. */
  readonly alarmTopicArn: string;
  /**
   * PostgreSQL version: a major version (`16`) or a minor one (`16.4`). Default `16`: RDS picks
   * its current 16.x and upgrades the minor version in the maintenance window, with no drift in
   * the plan. A pinned minor must be raised once RDS has upgraded past it, or the next plan asks
   * for a downgrade RDS refuses.
   */
  readonly engineVersion?: string;
  /** Default db.t4g.micro. */
  readonly instanceClass?: string;
  /** Default 20 GiB (gp3). */
  readonly allocatedStorageGiB?: number;
  /** The ceiling for storage autoscaling. Default none: the storage stays as allocated. */
  readonly maxAllocatedStorageGiB?: number;
  /** A synchronous standby in another zone that RDS fails over to. Default true. */
  readonly multiAz?: boolean;
  /** Refuse to delete the instance (a `destroy` fails on it). Default true. */
  readonly deletionProtection?: boolean;
  /** Take a snapshot, `<prefix>-database-final`, when the instance is deleted. Default true. */
  readonly finalSnapshot?: boolean;
  /** Days of automated backups: the point-in-time restore window, 1-35. Default 7. */
  readonly backupRetentionDays?: number;
  /** The database created in the instance. Default bookshelf. */
  readonly databaseName?: string;
  /** The master user; RDS generates its password and keeps it in Secrets Manager. Default bookshelf. */
  readonly username?: string;
  /** Performance Insights (7 days kept, AWS's free tier). Default false. */
  readonly performanceInsights?: boolean;
  /** Average CPU (percent) over 10 minutes that raises the alarm. Default 80. */
  readonly cpuAlarmPercent?: number;
  /** Free storage (percent of the allocated storage) below which the alarm is raised. Default 10. */
  readonly freeStorageAlarmPercent?: number;
  /**
   * Connections above which the alarm is raised. Default 50: below what the smallest classes accept
   * (RDS sets max_connections from memory, LEAST(DBInstanceClassMemory/9531392, 5000)).
   */
  readonly connectionsAlarmThreshold?: number;
}

/**
 * RDS for PostgreSQL for the app: in the database subnets, never publicly accessible, storage
 * encrypted, TLS required, automated backups, and a master password that no file, plan or state
 * ever holds: RDS generates it and keeps it in Secrets Manager (`credentialSecretArn`), which only
 * the app instances' role may read. Alarms on CPU, free storage and connections.
 */
export class Database extends Construct {
  readonly instance: DbInstance;
  readonly subnetGroup: DbSubnetGroup;
  readonly parameterGroup: DbParameterGroup;
  readonly cpuAlarm: CloudwatchMetricAlarm;
  readonly freeStorageAlarm: CloudwatchMetricAlarm;
  readonly connectionsAlarm: CloudwatchMetricAlarm;
  readonly port = POSTGRES_PORT;
  readonly databaseName: string;
  readonly username: string;
  /** The Secrets Manager secret RDS keeps the master user's credentials in (JSON: username, password). */
  readonly credentialSecretArn: string;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    this.databaseName = props.databaseName ?? 'bookshelf';
    this.username = props.username ?? 'bookshelf';
    const engineVersion = props.engineVersion ?? '16';
    const identifier = `${props.namePrefix}-database`;
    const allocatedStorageGiB = props.allocatedStorageGiB ?? DEFAULT_ALLOCATED_STORAGE_GIB;
    const finalSnapshot = props.finalSnapshot ?? true;

    this.subnetGroup = new DbSubnetGroup(this, 'database-subnets', { name: identifier, description: `${identifier}: the database subnets`, subnetIds: props.subnetIds });
    // A new major version needs a group of its new family: created before the old one is deleted,
    // so the instance always has one to point at.
    const family = `postgres${engineVersion.split('.')[0]}`;
    this.parameterGroup = new DbParameterGroup(this, 'database-parameters', {
      namePrefix: `${props.namePrefix}-${family}-`,
      family,
      description: `${identifier}: TLS required`,
      // pending-reboot is accepted for static and dynamic parameters alike; a new instance starts with it.
      parameter: [{ name: 'rds.force_ssl', value: '1', applyMethod: 'pending-reboot' }],
      lifecycle: { createBeforeDestroy: true },
    });

    this.instance = new DbInstance(this, 'database', {
      identifier,
      engine: 'postgres',
      engineVersion,
      autoMinorVersionUpgrade: true,
      instanceClass: props.instanceClass ?? 'db.t4g.micro',
      storageType: 'gp3',
      allocatedStorage: allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      storageEncrypted: true,
      dbName: this.databaseName,
      username: this.username,
      manageMasterUserPassword: true,
      port: this.port,
      dbSubnetGroupName: this.subnetGroup.name,
      vpcSecurityGroupIds: [props.securityGroupId],
      publiclyAccessible: false,
      parameterGroupName: this.parameterGroup.name,
      multiAz: props.multiAz ?? true,
      backupRetentionPeriod: props.backupRetentionDays ?? 7,
      copyTagsToSnapshot: true,
      deletionProtection: props.deletionProtection ?? true,
      skipFinalSnapshot: !finalSnapshot,
      finalSnapshotIdentifier: finalSnapshot ? `${identifier}-final` : undefined,
      performanceInsightsEnabled: props.performanceInsights ?? false,
    });
    this.credentialSecretArn = this.instance.masterUserSecret.get(0).secretArn;

    const alarm = (name: string, config: { description: string; metricName: string; statistic: string; threshold: number; comparisonOperator: string }) =>
      new CloudwatchMetricAlarm(this, `database-${name}`, {
        alarmName: `${identifier}-${name}`,
        alarmDescription: `${identifier}: ${config.description}`,
        namespace: 'AWS/RDS',
        dimensions: { DBInstanceIdentifier: identifier },
        metricName: config.metricName,
        statistic: config.statistic,
        period: 300,
        evaluationPeriods: 2,
        threshold: config.threshold,
        comparisonOperator: config.comparisonOperator,
        treatMissingData: 'missing',
        alarmActions: [props.alarmTopicArn],
        okActions: [props.alarmTopicArn],
      });
    const cpuPercent = props.cpuAlarmPercent ?? 80;
    this.cpuAlarm = alarm('cpu-high', { description: `CPU above ${cpuPercent}% for 10 minutes`, metricName: 'CPUUtilization', statistic: 'Average', threshold: cpuPercent, comparisonOperator: 'GreaterThanThreshold' });
    // CloudWatch measures bytes: the threshold is a share of the storage allocated at first.
    const freePercent = props.freeStorageAlarmPercent ?? 10;
    this.freeStorageAlarm = alarm('free-storage-low', {
      description: `less than ${freePercent}% of ${allocatedStorageGiB} GiB free for 10 minutes`,
      metricName: 'FreeStorageSpace',
      statistic: 'Minimum',
      threshold: Math.round((allocatedStorageGiB * GIB * freePercent) / 100),
      comparisonOperator: 'LessThanThreshold',
    });
    const connections = props.connectionsAlarmThreshold ?? 50;
    this.connectionsAlarm = alarm('connections-high', { description: `more than ${connections} connections for 10 minutes`, metricName: 'DatabaseConnections', statistic: 'Maximum', threshold: connections, comparisonOperator: 'GreaterThanThreshold' });
  }
}
