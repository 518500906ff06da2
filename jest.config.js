/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, sourceMaps: 'inline' }] },
  testTimeout: 20000,
  // Jest's default is one worker per core less one: a single worker on the 2-core CI machine. Most
  // suites wait on MariaDB, Redis, sockets and the simulator rather than compute, so two workers
  // keep both cores busy (the whole suite in well under the CI budget instead of ~15 minutes).
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/spec/support/skipped-services-reporter.cjs'],
};
