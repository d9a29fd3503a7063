/** The end-to-end sequence on a booted lab: long, so it runs as its own script (see README). */
const base = require('./jest.config.js');
module.exports = { ...base, testPathIgnorePatterns: ['/node_modules/'], testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], testTimeout: 1800000 };
