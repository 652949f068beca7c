import { Client } from 'pg';

/**
 * Fails each test in which a pg client was handed a query while it was still running another: two
 * queries at once on one transaction's connection (Promise.all over a TypeORM transaction's reads).
 * pg 8 queues the second and, from the third, warns "Calling client.query() when the client is already
 * executing a query is deprecated"; pg 9 drops the queue. The check sees the second query already,
 * and names where it was issued. It watches the pg module of this test file, the one an app booted
 * in-process uses (not a spawned worker's).
 */
export function failOnBusyClientQueries(): void {
  const seen: string[] = [];
  const query = Client.prototype.query;
  const onWarning = (w: Error) => {
    if (/already executing a query/.test(w.message)) seen.push(`${w.name}: ${w.message}\n${w.stack ?? ''}`);
  };
  beforeAll(() => {
    Client.prototype.query = function (this: Client & { _activeQuery?: unknown; _queryQueue?: unknown[]; pipeline?: boolean }, ...args: unknown[]) {
      // Private fields of pg 8's Client: if they go, the check must say so rather than pass.
      if (!('_activeQuery' in this) || !Array.isArray(this._queryQueue)) throw new Error('failOnBusyClientQueries: pg Client internals changed; update the check');
      if ((this._activeQuery || this._queryQueue.length > 0) && !this.pipeline) {
        const where = (new Error().stack ?? '').split('\n').slice(2).filter((l) => !l.includes('node_modules')).slice(0, 8).join('\n');
        seen.push(`${String(args[0]).replace(/\s+/g, ' ').slice(0, 120)}\n${where}`);
      }
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    const found = seen.splice(0);
    if (found.length) throw new Error(`${found.length} quer${found.length === 1 ? 'y was' : 'ies were'} issued on a pg client busy with another:\n\n${found.join('\n\n')}`);
  });
  afterAll(() => {
    Client.prototype.query = query;
    process.off('warning', onWarning);
  });
}
