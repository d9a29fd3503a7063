import { LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import type { EnvironmentConfig } from './environment-config';

/**
 * Local state by default; S3 when configured. S3 locks with a lock file in the bucket
 * (`use_lockfile`, Terraform >= 1.10); cdktf 0.21 predates that field, so it is set as an
 * override. DynamoDB locking stays available for older Terraform.
 */
export function configureStateBackend(stack: TerraformStack, backend: EnvironmentConfig['stateBackend'], environment: string): void {
  if (backend.type === 'local') {
    new LocalBackend(stack, { path: backend.path ?? `terraform.${environment}.tfstate` });
    return;
  }
  new S3Backend(stack, { bucket: backend.bucket, key: backend.key, region: backend.region, encrypt: true, dynamodbTable: backend.dynamodbTable });
  if (backend.useLockfile) stack.addOverride('terraform.backend.s3.use_lockfile', true);
}
