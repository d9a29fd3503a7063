import path from 'node:path';
import { App } from 'cdktf';
import { EnvironmentConfigError } from './stacks/environment-config';
import { loadEnvironments } from './stacks/environments';
import { StateBootstrapStack } from './stacks/state-bootstrap-stack';
import { WebTierStack } from './stacks/web-tier-stack';

/*
 * One stack per environments/<name>.yaml (`cdktf deploy webtier-staging`), plus a bootstrap stack
 * for each environment whose state lives in S3 (`cdktf deploy webtier-production-bootstrap`).
 * WEBTIER_ENVIRONMENTS=staging,production synthesizes only those: a template not yet edited
 * does not block the others. WEBTIER_ENVIRONMENTS_DIR reads another directory (tests).
 */
const environmentsDir = process.env.WEBTIER_ENVIRONMENTS_DIR ?? path.join(__dirname, 'environments');
const only = process.env.WEBTIER_ENVIRONMENTS ? process.env.WEBTIER_ENVIRONMENTS.split(',').map((name) => name.trim()) : undefined;

let configs;
try {
  configs = loadEnvironments(environmentsDir, only);
} catch (err) {
  if (!(err instanceof EnvironmentConfigError)) throw err;
  console.error(err.message);
  if (only === undefined) console.error('To synthesize only the environments you have edited: WEBTIER_ENVIRONMENTS=staging npx cdktf synth');
  process.exit(1);
}

const app = new App();
for (const config of configs) {
  new WebTierStack(app, config);
  if (config.stateBackend.type === 's3') new StateBootstrapStack(app, config, config.stateBackend);
}
app.synth();
