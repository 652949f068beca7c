/**
 * Layer rules (STYLE.md: apps → crm | persistence | config | … → domain | contracts).
 * `npm run lint:deps` runs this, then scripts/check-env-reads.sh for process.env (which an import
 * graph cannot see). Type-only imports count: a cycle through types is still a cycle of design.
 */

// Packages pure code must not touch: frameworks, drivers, HTTP, vendor SDKs.
const IMPURE_PACKAGES =
  '^node_modules/(@nestjs|typeorm|bullmq|pg|pg-copy-streams|ioredis|express|body-parser|@hubspot|jsforce|nestjs-pino|pino|pino-http)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means a port is missing (STYLE.md §12).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'migrations-are-frozen',
      severity: 'error',
      comment: 'A migration imports no code of ours (only typeorm): it must not change when application code does.',
      from: { path: '^libs/persistence/src/migrations/(?!index\\.ts$)' },
      to: { path: '^(apps|libs)/' },
    },
    {
      name: 'domain-imports-nothing-of-ours',
      severity: 'error',
      comment: 'libs/domain is the centre: no app and no other lib of ours.',
      from: { path: '^libs/domain/' },
      to: { path: '^(apps/|libs/(?!domain/))' },
    },
    {
      name: 'contracts-import-only-domain',
      severity: 'error',
      comment: 'Job contracts may name domain types (decided: contracts → domain is allowed), nothing else of ours.',
      from: { path: '^libs/contracts/' },
      to: { path: '^(apps/|libs/(?!(contracts|domain)/))' },
    },
    {
      name: 'domain-and-contracts-stay-pure',
      severity: 'error',
      comment: 'No Nest, TypeORM, BullMQ, database/Redis drivers, express or CRM SDKs in domain or contracts.',
      from: { path: '^libs/(domain|contracts)/' },
      to: { path: IMPURE_PACKAGES },
    },
    {
      name: 'destinations-import-only-domain',
      comment: 'The webhook adapter speaks HTTP to receivers; it knows the domain port and nothing else of ours (the worker wires storage and Redis in).',
      severity: 'error',
      from: { path: '^libs/destinations/' },
      to: { path: '^(apps/|libs/(?!(destinations|domain)/))' },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-never-import-each-other',
      severity: 'error',
      comment:
        'api, worker, cli and crm-sandbox share code through libs only (and the worker has no HTTP). ' +
        'Tests may boot another app (worker e2e tests start the CRM sandbox).',
      from: { path: '^apps/([^/]+)/', pathNot: '(^apps/[^/]+/test/|\\.(spec|int-spec|e2e-spec)\\.ts$)' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'entities-stay-in-persistence',
      severity: 'error',
      comment: 'Repositories return domain types; nothing outside libs/persistence sees an entity (STYLE.md §7).',
      from: { pathNot: '^libs/persistence/' },
      to: { path: '^libs/persistence/src/entities(/|\\.ts$)' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
