import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'cdktf';
import { loadEnvironmentConfig } from '../../stacks/environment-config';
import { stackName, WebTierStack } from '../../stacks/web-tier-stack';
import { editedTemplate } from '../infra/stack-fixture';

export interface StackFile {
  /** The synthesized `cdk.tf.json`, as `cdktf synth` writes it. */
  file: string;
  /** The edited environment file it was synthesized from. */
  environmentFile: string;
  dir: string;
  cleanup(): void;
}

/**
 * An environment template edited as a user would (real-looking values, `changes` on top), then
 * synthesized by the same App and stack `cdktf synth` runs, into a scratch directory.
 */
export function synthStackFile(environment: string, changes: Record<string, unknown> = {}, dir = mkdtempSync(path.join(tmpdir(), 'stack-'))): StackFile {
  const environmentFile = editedTemplate(environment, dir, changes);
  const outdir = path.join(dir, 'cdktf.out');
  const app = new App({ outdir });
  new WebTierStack(app, loadEnvironmentConfig(environmentFile));
  app.synth();
  return {
    file: path.join(outdir, 'stacks', stackName(environment), 'cdk.tf.json'),
    environmentFile,
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
