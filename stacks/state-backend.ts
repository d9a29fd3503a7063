import path from 'node:path';
import { LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import type { EnvironmentConfig } from './environment-config';

/** The project's root: local state paths are relative to it. */
const PROJECT_ROOT = path.join(__dirname, '..');

/**
 * Local state by default, in state/ at the project root (git-ignored by the *.tfstate pattern):
 * not under cdktf.out/, which a clean deletes, and an absolute path, because Terraform runs in
 * cdktf.out/stacks/<stack>. S3 when configured: it locks with a lock file in the bucket
 * (`use_lockfile`, Terraform >= 1.10); cdktf 0.21 predates that field, so it is set as an
 * override. DynamoDB locking stays available for older Terraform.
 */
export function configureStateBackend(stack: TerraformStack, backend: EnvironmentConfig['stateBackend'], stackName: string): void {
  if (backend.type === 'local') {
    new LocalBackend(stack, { path: path.resolve(PROJECT_ROOT, backend.path ?? path.join('state', `terraform.${stackName}.tfstate`)) });
    return;
  }
  new S3Backend(stack, { bucket: backend.bucket, key: backend.key, region: backend.region, encrypt: true, dynamodbTable: backend.dynamodbTable });
  if (backend.useLockfile) stack.addOverride('terraform.backend.s3.use_lockfile', true);
}
