/**
 * The bench's smoke run (issue 7): the same code as `bench/run.ts`, at N = 2 with one run, so CI
 * notices when the bench breaks. Run with `jest -c bench/jest.smoke.config.js --runInBand` (root).
 * The file is named *.bench.ts so the unit suite (`*.test.ts`) never picks it up.
 */
const base = require('../jest.config.js');
module.exports = {
  ...base,
  rootDir: '..',
  roots: ['<rootDir>/test/bench'],
  testMatch: ['**/*.bench.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 300000,
};
