/** Unit and integration tests. The long end-to-end lab sequence lives in jest.e2e.config.js. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
  // tsconfig's isolatedModules makes ts-jest transpile file by file; `tsc --noEmit` in `npm test` type-checks once.
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 120000,
};
