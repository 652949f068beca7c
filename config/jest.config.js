// Three tiers, named by suffix (STYLE.md §13): *.spec.ts pure, *.int-spec.ts real Postgres/Redis,
// *.e2e-spec.ts whole apps over HTTP with the CRM sandbox. A fourth, *.fault-spec.ts, breaks things on
// purpose (Redis flushed or restarted, workers SIGKILLed): longer, so `npm test` leaves it out and
// `npm run test:faults` (the last CI step) runs it.
const libs = '(domain|contracts|crm|destinations|persistence|config|jobs|observability|ingest|testing)';
const base = {
  rootDir: require('node:path').resolve(__dirname, '..'),
  moduleFileExtensions: ['ts', 'js', 'json'],
  testEnvironment: 'node',
  moduleNameMapper: {
    [`^@corridor/${libs}$`]: '<rootDir>/libs/$1/src',
    [`^@corridor/${libs}/(.*)$`]: '<rootDir>/libs/$1/src/$2',
  },
  // Type-checking is `npm run typecheck`/the build; tests only transpile, which keeps them fast.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/config/tsconfig.jest.json', diagnostics: false }] },
};
const withServices = {
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest-service-timeout.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  rootDir: base.rootDir,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,bench}/**/*.spec.ts'] },
    { ...base, ...withServices, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'] },
    { ...base, ...withServices, displayName: 'e2e', testMatch: ['<rootDir>/{apps,libs,test}/**/*.e2e-spec.ts'] },
    { ...base, ...withServices, displayName: 'faults', testMatch: ['<rootDir>/{apps,libs,test}/**/*.fault-spec.ts'] },
  ],
};
