/**
 * Two tiers (`npm run test:unit`, `npm run test:integration`):
 * - unit: `__tests__/unit/**`, one file per source at the mirrored path, plus runtime behaviour suites under
 *   `unit/runtime/`. The injected FakeClock only: no sleeps, no servers, no child processes.
 * - integration: `__tests__/integration/**`, real parts (the emulator over HTTP, the real SDKs, redis-server,
 *   child processes) with generous time bounds; figures that move with machine load live in `npm run bench`.
 * @type {import('jest').Config}
 */
const transform = {
  // TC39 standard decorators (the TypeScript >= 5 default) for the fixtures that prove both decorator modes.
  '/__tests__/fixtures/standard-decorators/.+\\.ts$': '<rootDir>/scripts/jest-standard-decorators.js',
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
};

module.exports = {
  // Jest 30 reads testTimeout only here, not per project: generous for integration tests (real HTTP, Redis, child
  // processes on a busy machine); unit tests finish in milliseconds on the fake clock.
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/__tests__/unit'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/__tests__/integration'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
  ],
};
