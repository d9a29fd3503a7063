import { Construct } from 'constructs';
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';

/*
 * IAM documents through aws_iam_policy_document: Terraform renders them locally (no AWS call, so
 * offline plans work) and normalises the JSON, so plans show no spurious diffs.
 */

export function policyDocument(scope: Construct, id: string, statements: DataAwsIamPolicyDocumentStatement[]): string {
  return new DataAwsIamPolicyDocument(scope, id, { statement: statements.map((s) => ({ effect: 'Allow', ...s })) }).json;
}

/** A trust policy letting one AWS service assume the role. */
export function assumeRolePolicy(scope: Construct, id: string, service: string): string {
  return policyDocument(scope, id, [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: [service] }] }]);
}
