import { readdirSync } from 'node:fs';
import path from 'node:path';
import { App } from 'cdktf';
import { loadEnvironmentConfig } from './stacks/environment-config';
import { WebTierStack } from './stacks/web-tier-stack';

/** One stack per environments/<name>.yaml: `cdktf deploy webtier-staging`. */
const environmentsDir = path.join(__dirname, 'environments');
const app = new App();
for (const file of readdirSync(environmentsDir).filter((name) => name.endsWith('.yaml')).sort()) {
  new WebTierStack(app, loadEnvironmentConfig(path.join(environmentsDir, file)));
}
app.synth();
