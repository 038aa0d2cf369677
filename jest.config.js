// Tiers (see README.md, "Test it"): unit specs next to the code, integration tests against
// the real services, reliability (fault) tests, e2e in a real browser. Jest runs the TypeScript through swc as ESM.
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'es6' },
  },
];

const base = {
  // Quiet unless a test fails: the app's logs of a test are printed only then (test/support/quiet-environment.cjs).
  testEnvironment: '<rootDir>/test/support/quiet-environment.cjs',
  setupFilesAfterEnv: ['<rootDir>/test/support/quiet-logs.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@vigil/server/(.*)\\.js$': '<rootDir>/server/src/$1',
    '^@vigil/simulators/(.*)\\.js$': '<rootDir>/simulators/src/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

export default {
  // Integration tests start real services and embedded databases (PGlite takes ~3 s to create).
  testTimeout: 60_000,
  // Run the test files in a worker that is replaced once it holds more than 2 GB after a file.
  // With one worker (two cores) jest otherwise runs every file inside its own process, which grew to
  // 5.7 GB by the end of `npm test` (each embedded PGlite keeps its WebAssembly memory), until an
  // embedded-database test late in the run slowed from under 1 s to 20 s and once past its timeout.
  workerIdleMemoryLimit: '2GB',
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/server/src/**/*.spec.ts', '<rootDir>/simulators/src/**/*.spec.ts'],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    {
      // Fault tests (kill -9, outages) at small counts; `npm run test:chaos` at full size.
      ...base,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
};
