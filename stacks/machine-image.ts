import type { Construct } from 'constructs';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';

/** Debian publishes its current cloud image per release and architecture as a public SSM parameter. */
export const DEBIAN_BOOKWORM_AMD64 = '/aws/service/debian/release/bookworm/latest/amd64';

export const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
export const SSM_PARAMETER = /^\/[A-Za-z0-9_.\-/]+$/;

/**
 * The image every instance starts from: a literal AMI id, or an SSM parameter read at plan time
 * (default: Debian 12 on amd64). Instances ignore later changes of it (hardened-instance.ts), so
 * a new image only reaches hosts created afterwards.
 */
export function machineImage(scope: Construct, id: string, image: string = DEBIAN_BOOKWORM_AMD64): string {
  if (AMI_ID.test(image)) return image;
  // insecure_value: the parameter is a public String; `value` would hide the AMI id in every plan.
  return new DataAwsSsmParameter(scope, id, { name: image }).insecureValue;
}
