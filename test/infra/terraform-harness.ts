import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const MIRROR = '/opt/tf-plugins';
const PROVIDER_DIR = path.join(MIRROR, 'registry.terraform.io/hashicorp/aws/5.100.0');

/** Why real-terraform tests cannot run here, or undefined when they can. */
export function terraformUnavailableReason(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).some((dir) => existsSync(path.join(dir, 'terraform')));
  if (!onPath) return 'terraform is not on PATH';
  if (!existsSync(PROVIDER_DIR)) return `the AWS provider 5.100.0 is not in the filesystem mirror ${PROVIDER_DIR}`;
  return undefined;
}

export interface PlanResourceChange {
  address: string;
  type: string;
  change: { actions: string[]; after: unknown; after_unknown: unknown };
  /**
   * The resource's configuration expressions from the plan (references included): values that
   * are unknown until apply, such as a subnet id, are compared through these.
   */
  expressions: unknown;
}

/** The parts of `terraform show -json` of a plan the tests read. */
export interface ShownPlan {
  resource_changes: Array<Omit<PlanResourceChange, 'expressions'> & { change: { replace_paths?: unknown[] } }>;
  configuration: { root_module: { resources: Array<{ address: string; expressions: unknown }> } };
  /** Data sources read while planning (those that depend on nothing unknown). */
  prior_state?: { values: { root_module: { resources?: Array<{ address: string; type: string; values: Record<string, unknown> }> } } };
}

/**
 * Runs real terraform offline: a CLI config pointing at the filesystem mirror, no checkpoint
 * calls. One working directory per stack variant: init from an unpacked mirror only symlinks the
 * provider, so it is cheap (a plugin_cache_dir would copy the 675 MB provider instead).
 */
export class TerraformHarness {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'webtier-tf-'));
  private readonly env: NodeJS.ProcessEnv;

  constructor() {
    const cliConfig = path.join(this.root, 'terraform.rc');
    writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path    = "${MIRROR}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
    );
    this.env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
  }

  private async terraform(dir: string, args: string[]): Promise<string> {
    try {
      const { stdout } = await run('terraform', [...args], { cwd: dir, env: this.env, maxBuffer: 256 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      const { stderr, stdout } = err as { stderr?: string; stdout?: string };
      throw new Error(`terraform ${args[0]} in ${dir} failed:\n${(stderr || stdout || String(err)).slice(0, 4000)}`);
    }
  }

  private workdir(name: string, stackJson: object): string {
    const dir = path.join(this.root, name);
    mkdirSync(dir, { recursive: true });
    // One value per line: terraform quotes the offending line in its errors, not the whole stack.
    writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(stackJson, null, 1));
    return dir;
  }

  /** `terraform init -backend=false` + `terraform validate` on the stack exactly as synthesized. */
  async validate(name: string, stackJson: object): Promise<void> {
    const dir = this.workdir(name, stackJson);
    await this.terraform(dir, ['init', '-backend=false', '-no-color']);
    await this.terraform(dir, ['validate', '-no-color']);
  }

  /**
   * An offline plan: fake credentials and the provider's skip flags, and no backend block (nothing
   * is ever applied). `allowed_account_ids` is dropped: the provider checks it against the account
   * of the credentials, which an offline plan never learns. `state`, when given, is the working
   * directory's terraform.tfstate: what the plan compares the configuration with.
   * Returns `terraform show -json` of the plan.
   */
  async planJson(name: string, stackJson: { provider: Record<string, unknown[]>; terraform: Record<string, unknown> }, state?: object): Promise<ShownPlan> {
    const offline = structuredClone(stackJson);
    delete offline.terraform.backend;
    offline.provider.aws = offline.provider.aws.map((provider) => {
      const { allowed_account_ids: _allowed, ...rest } = provider as Record<string, unknown>;
      return {
        ...rest,
        access_key: 'AKIAIOSFODNN7EXAMPLE',
        secret_key: 'not-a-secret-offline-plan-only',
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
      };
    });
    const dir = this.workdir(name, offline);
    if (state) writeFileSync(path.join(dir, 'terraform.tfstate'), JSON.stringify(state));
    await this.terraform(dir, ['init', '-no-color']);
    await this.terraform(dir, ['plan', '-refresh=false', '-lock=false', '-no-color', '-out=plan.bin']);
    return JSON.parse(await this.terraform(dir, ['show', '-json', 'plan.bin'])) as ShownPlan;
  }

  /** The plan's changes to managed resources (data source reads left out), with their configuration expressions. */
  async plan(name: string, stackJson: { provider: Record<string, unknown[]>; terraform: Record<string, unknown> }): Promise<PlanResourceChange[]> {
    const shown = await this.planJson(name, stackJson);
    const expressions = new Map(shown.configuration.root_module.resources.map((r) => [r.address, r.expressions]));
    return shown.resource_changes
      .filter((change) => !change.address.startsWith('data.'))
      .map((change) => ({ ...change, expressions: expressions.get(change.address) }));
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
