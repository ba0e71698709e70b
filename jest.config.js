/**
 * The suites are TypeScript run as ESM (--experimental-vm-modules); scripts/jest-transform.mjs
 * strips the types with esbuild. Type checking is `tsc --noEmit`, run beside jest by `npm test`
 * (scripts/test.sh).
 * maxWorkers: jest's default on 2 cores is one worker, which runs every file in band: a suite
 * waiting on git or a child process then leaves the other core idle. Two workers overlap them.
 * testTimeout: a stop for hung tests, not a performance check (that is `npm run bench`): the bump
 * tests render several times, and on a 2-core machine shared with other work they took over 60 s.
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': '<rootDir>/scripts/jest-transform.mjs' },
  // A directory for fixtures built once per run (test/support/run-fixture.ts).
  globalSetup: '<rootDir>/test/support/run-dir-setup.mjs',
  globalTeardown: '<rootDir>/test/support/run-dir-teardown.mjs',
  maxWorkers: 2,
  testTimeout: 180000,
};
