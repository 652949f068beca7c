import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

jest.setTimeout(180_000);

const ROOT = resolve(__dirname, '../../..');
const COMMITTED = join(ROOT, 'apps/console/src/api/schema.d.ts');

/**
 * The console calls the API only through openapi-fetch typed by apps/console/src/api/schema.d.ts.
 * Regenerating it from the API's OpenAPI document must give the committed file: otherwise the
 * console could call a route or read a field that no longer exists (or miss a new one). The
 * generator runs as `npm run console:client` does, in its own process (openapi-typescript is ESM
 * at heart and does not load inside jest's module system).
 */
describe('console API client', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'console-client-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('matches the OpenAPI document of the API (else run `npm run console:client` and commit)', async () => {
    const out = join(dir, 'schema.d.ts');
    await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/console-client.ts', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
    });
    const fresh = readFileSync(out, 'utf8');
    const committed = readFileSync(COMMITTED, 'utf8');
    if (fresh !== committed) {
      const a = committed.split('\n');
      const b = fresh.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      throw new Error(
        `apps/console/src/api/schema.d.ts is out of date with the API; run npm run console:client and commit it.\n` +
          `First difference at line ${line + 1}:\n  committed: ${a[line]}\n  generated: ${b[line]}`,
      );
    }
    // The document is the whole app's: the routes the console relies on are in it.
    for (const route of ['"/v1/customers/{ref}/strategy"', '"/v1/personas/preview"', '"/v1/strategy/gaps"', '"/v1/deliveries/{id}/replay"', '"/v1/admin/queues/session"']) {
      expect(fresh).toContain(route);
    }
  });
});
