import type { Construct } from 'constructs';
import { Instance } from '@cdktf/provider-aws/lib/instance';

export interface HardenedInstanceProps {
  readonly ami: string;
  readonly instanceType: string;
  readonly subnetId: string;
  readonly securityGroupId: string;
  readonly keyName: string;
  readonly rootVolumeGiB: number;
  /** Tags on the root volume; the backup policy selects volumes by them. Default none. */
  readonly volumeTags?: Record<string, string>;
  /** The Name tag; default: the one role-tags.ts derives from the construct id. */
  readonly nameTag?: string;
  /** The instance profile (AWS credentials through IMDSv2). Default none: the instance has no AWS credentials. */
  readonly iamInstanceProfile?: string;
}

/**
 * Families where `ebs_optimized = true` is refused (t1, t2) or an extra-cost option of some sizes
 * (the other previous generations). Every current family is EBS-optimized by default, so the flag
 * only states what AWS does anyway.
 */
const NOT_EBS_OPTIMIZED_BY_DEFAULT = new Set(['t1', 't2', 'm1', 'm2', 'm3', 'c1', 'c3', 'r3', 'i2', 'g2', 'cc2', 'cr1', 'hs1', 'hi1']);

export function ebsOptimizedByDefault(instanceType: string): boolean {
  return !NOT_EBS_OPTIMIZED_BY_DEFAULT.has(instanceType.split('.')[0]);
}

/**
 * An EC2 instance with what every instance of the stack shares: IMDSv2 only (no token-less
 * metadata calls, one hop so containers cannot reach it), encrypted gp3 root volume, detailed
 * monitoring, no public IP, and an image that is fixed once the instance exists.
 */
export function hardenedInstance(scope: Construct, id: string, props: HardenedInstanceProps): Instance {
  return new Instance(scope, id, {
    ami: props.ami,
    instanceType: props.instanceType,
    subnetId: props.subnetId,
    vpcSecurityGroupIds: [props.securityGroupId],
    keyName: props.keyName,
    iamInstanceProfile: props.iamInstanceProfile,
    associatePublicIpAddress: false,
    monitoring: true,
    ebsOptimized: ebsOptimizedByDefault(props.instanceType) ? true : undefined,
    metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' },
    rootBlockDevice: { encrypted: true, volumeType: 'gp3', volumeSize: props.rootVolumeGiB, deleteOnTermination: true, tags: props.volumeTags ?? {} },
    tags: props.nameTag ? { Name: props.nameTag } : undefined,
    // A new image (Debian's SSM parameter moves with every point release) or a new SSH key (a new
    // key pair name) would replace every instance in one apply: an outage. Both apply to instances
    // created from then on; replacing a running one is a deliberate, one-at-a-time operation
    // (docs/operations.md, "Replace an instance").
    lifecycle: { ignoreChanges: ['ami', 'key_name'] },
  });
}
