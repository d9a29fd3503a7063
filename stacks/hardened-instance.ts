import type { InstanceConfig } from '@cdktf/provider-aws/lib/instance';

/**
 * Settings every EC2 instance of the stack shares: IMDSv2 only (no token-less metadata calls, one
 * hop so containers cannot reach it), encrypted gp3 root volume, detailed monitoring.
 */
export function hardenedInstanceSettings(rootVolumeGiB: number, volumeTags: Record<string, string> = {}): Partial<InstanceConfig> {
  return {
    associatePublicIpAddress: false,
    monitoring: true,
    ebsOptimized: true,
    metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' },
    rootBlockDevice: { encrypted: true, volumeType: 'gp3', volumeSize: rootVolumeGiB, deleteOnTermination: true, tags: volumeTags },
  };
}
