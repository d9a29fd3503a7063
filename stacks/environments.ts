import { readdirSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentConfigError, loadEnvironmentConfig, type EnvironmentConfig } from './environment-config';

/**
 * The environments of a directory (`<name>.yaml` each), or only those named. Every problem of
 * every file is reported in one error, so a first synth lists all there is to edit.
 */
export function loadEnvironments(dir: string, only?: string[]): EnvironmentConfig[] {
  const available = readdirSync(dir).filter((name) => name.endsWith('.yaml')).map((name) => path.basename(name, '.yaml')).sort();
  const unknown = (only ?? []).filter((name) => !available.includes(name));
  if (unknown.length > 0) throw new EnvironmentConfigError(`${dir}: no environment ${unknown.join(', ')} (there are: ${available.join(', ')})`);
  const problems: string[] = [];
  const configs = available
    .filter((name) => only === undefined || only.includes(name))
    .flatMap((name) => {
      try {
        return [loadEnvironmentConfig(path.join(dir, `${name}.yaml`))];
      } catch (err) {
        if (!(err instanceof EnvironmentConfigError)) throw err;
        problems.push(err.message);
        return [];
      }
    });
  // Two bootstrap stacks would each try to create the bucket; one environment's destroy would empty the other's history.
  const byBucket = new Map<string, string[]>();
  for (const config of configs) {
    if (config.stateBackend.type === 's3') byBucket.set(config.stateBackend.bucket, [...(byBucket.get(config.stateBackend.bucket) ?? []), config.name]);
  }
  for (const [bucket, names] of byBucket) {
    if (names.length > 1) problems.push(`${dir}: environments ${names.join(' and ')} share the state bucket ${bucket}: give each environment its own`);
  }
  if (problems.length > 0) throw new EnvironmentConfigError(problems.join('\n'));
  return configs;
}
