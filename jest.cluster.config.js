/**
 * `npm run test:cluster`: the fleet tests against a real Temporal server on PostgreSQL
 * (scripts/cluster.sh up/down in the global setup and teardown). One file at a time: a test stops
 * and restarts the server.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/cluster'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
  testTimeout: 600000,
  maxWorkers: 1,
};
