import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { OUTPUT_IDS } from '../../src/contract/stack-outputs';
import { editedTemplate, REPO_ENVIRONMENTS } from './stack-fixture';

const repo = path.join(__dirname, '..', '..');

/** Runs main.ts as `cdktf synth` does, with extra environment; resolves with its exit code and output. */
async function synth(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(path.join(repo, 'node_modules', '.bin', 'tsx'), ['main.ts'], { cwd: repo, env: { ...process.env, ...env } });
    return { code: 0, stderr };
  } catch (err) {
    const { code, stderr } = err as { code: number; stderr: string };
    return { code, stderr };
  }
}

describe('main.ts (the cdktf app, as `cdktf synth` runs it)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'webtier-synth-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('the shipped environments are templates: synth fails, naming every field to edit in every file, and writes no stack', async () => {
    const outdir = path.join(root, 'templates');
    const { code, stderr } = await synth({ CDKTF_OUTDIR: outdir });
    expect(code).toBe(1);
    for (const file of readdirSync(REPO_ENVIRONMENTS).filter((f) => f.endsWith('.yaml'))) {
      expect(stderr).toContain(`${path.join(REPO_ENVIRONMENTS, file)}: the template's example values are still in place; edit each of these fields before the first deploy:`);
    }
    for (const field of ['allowedAccountIds[0]', 'sshPublicKey', 'adminCidrs[0]', 'alarmEmail', 'certificateArn', 'dns.zoneId', 'dns.recordName', 'stateBackend.bucket']) expect(stderr).toContain(`field ${field}: `);
    expect(stderr).toContain('WEBTIER_ENVIRONMENTS=staging');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(outdir, 'stacks'))).toBe(false);
  });

  test('edited copies of the templates: one stack per environment with the contract outputs, and a bootstrap stack for S3 state', async () => {
    const environments = mkdtempSync(path.join(root, 'edited-'));
    for (const file of readdirSync(REPO_ENVIRONMENTS).filter((f) => f.endsWith('.yaml'))) editedTemplate(path.basename(file, '.yaml'), environments);
    const outdir = path.join(root, 'edited-out');
    expect(await synth({ CDKTF_OUTDIR: outdir, WEBTIER_ENVIRONMENTS_DIR: environments })).toMatchObject({ code: 0 });
    expect(readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(['webtier-production', 'webtier-production-bootstrap', 'webtier-staging']);
    for (const stack of ['webtier-production', 'webtier-staging']) {
      const json = JSON.parse(readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
      expect(Object.keys(json.output).sort()).toEqual(Object.values(OUTPUT_IDS).sort());
    }
    const staging = JSON.parse(readFileSync(path.join(outdir, 'stacks', 'webtier-staging', 'cdk.tf.json'), 'utf8'));
    expect(staging.terraform.backend).toEqual({ local: { path: path.join(repo, 'state', 'terraform.webtier-staging.tfstate') } });
  });

  test('WEBTIER_ENVIRONMENTS synthesizes only the environments named: an unedited template elsewhere does not block them', async () => {
    const environments = mkdtempSync(path.join(root, 'partly-'));
    editedTemplate('staging', environments);
    copyFileSync(path.join(REPO_ENVIRONMENTS, 'production.yaml'), path.join(environments, 'production.yaml'));
    const outdir = path.join(root, 'partly-out');
    expect(await synth({ CDKTF_OUTDIR: outdir, WEBTIER_ENVIRONMENTS_DIR: environments, WEBTIER_ENVIRONMENTS: 'staging' })).toMatchObject({ code: 0 });
    expect(readdirSync(path.join(outdir, 'stacks'))).toEqual(['webtier-staging']);
  });
});
