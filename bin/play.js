#!/usr/bin/env node
'use strict';
// The CLI is compiled to dist/ by `npm run build` (run by `npm ci`/`npm install` through `prepare`).
try {
  require.resolve('../dist/cli/main.js');
} catch {
  process.stderr.write('play: not built yet; run `npm run build` in ' + require('path').resolve(__dirname, '..') + '\n');
  process.exit(1);
}
require('../dist/cli/main.js');
