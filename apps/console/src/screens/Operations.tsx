import { useCallback, useEffect, useState } from 'react';
import { api, errorText, type Schemas } from '../api/client';
import { RunProgress } from './runs';

const REFRESH_MS = 5000;

/** Admin: connections and their syncs, re-segmentation runs, the queue board, dead letters. */
export function OperationsScreen() {
  const [connections, setConnections] = useState<Schemas['ConnectionDto'][] | null>(null);
  const [runs, setRuns] = useState<Schemas['SegmentationRunDto'][]>([]);
  const [dead, setDead] = useState<Schemas['DeliveryPageDto'] | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async () => {
    const [c, r, d] = await Promise.all([api.GET('/v1/connections'), api.GET('/v1/segmentation/runs'), api.GET('/v1/deliveries', { params: { query: { status: 'dead', limit: 50 } } })]);
    if (c.data) setConnections(c.data.items);
    if (r.data) setRuns(r.data.runs.slice(0, 5));
    if (d.data) setDead(d.data);
    const failed = [c, r, d].find((x) => x.error);
    if (failed) setMessage(errorText(failed.error));
  }, []);
  useEffect(() => {
    void load();
    // Progress moves while the screen is open; a few small bounded reads every few seconds.
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  async function syncNow(id: string, mode: 'incremental' | 'full') {
    const { error } = await api.POST('/v1/connections/{id}/sync', { params: { path: { id } }, body: { mode } });
    setMessage(error ? errorText(error) : `A ${mode} sync was queued.`);
    await load();
  }

  async function replay(id: string) {
    const { error } = await api.POST('/v1/deliveries/{id}/replay', { params: { path: { id } } });
    setMessage(error ? errorText(error) : `Delivery ${id} is pending again.`);
    await load();
  }

  async function openQueues() {
    // Bull Board's pages cannot send the API key: this POST sets a 15-minute cookie for /admin/queues.
    const { data, error } = await api.POST('/v1/admin/queues/session');
    if (error || !data) return setMessage(errorText(error));
    window.open(data.path, '_blank', 'noopener');
  }

  return (
    <section aria-labelledby="ops-title">
      <h1 id="ops-title">Operations</h1>
      {message && (
        <p role="status" className="help">
          {message}
        </p>
      )}
      <section className="card" aria-labelledby="connections-title">
        <h2 id="connections-title">Connections</h2>
        {!connections ? (
          <p className="loading">Loading…</p>
        ) : connections.length === 0 ? (
          <p>No CRM connection yet.</p>
        ) : (
          <ul className="connections">
            {connections.map((c) => {
              const run = c.sync?.currentRun ?? c.sync?.lastSync ?? null;
              return (
                <li key={c.id} className="connection">
                  <h3>
                    {c.name} <span className="help">({c.kind})</span>
                  </h3>
                  {run ? (
                    <p>
                      {c.sync?.currentRun ? 'Syncing' : 'Last sync'}: {run.mode}, <strong>{run.status}</strong>, {run.records.toLocaleString('en-US')} records read
                      {run.percent != null && c.sync?.currentRun && (
                        <>
                          {' '}
                          <progress max={100} value={run.percent} aria-label={`Sync progress of ${c.name}`} /> {Math.round(run.percent)}%
                        </>
                      )}
                      {run.finishedAt && <> · finished {new Date(run.finishedAt).toLocaleString()}</>}
                    </p>
                  ) : (
                    <p>Never synced.</p>
                  )}
                  {run?.error && <p className="error">Last error: {run.error}</p>}
                  {c.writeback?.lastError && <p className="error">Write-back: {c.writeback.lastError.message}</p>}
                  {c.sync?.nextSyncAt && <p className="help">Next scheduled sync {new Date(c.sync.nextSyncAt).toLocaleString()}</p>}
                  <button type="button" onClick={() => syncNow(c.id, 'incremental')} disabled={Boolean(c.sync?.currentRun)} aria-label={`Sync now: ${c.name}`}>
                    Sync now
                  </button>{' '}
                  <button type="button" onClick={() => syncNow(c.id, 'full')} disabled={Boolean(c.sync?.currentRun)} aria-label={`Full sync: ${c.name}`}>
                    Full sync
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <section className="card" aria-labelledby="runs-title">
        <h2 id="runs-title">Re-segmentation</h2>
        {runs.length === 0 ? (
          <p>No runs yet.</p>
        ) : (
          <ul className="runs">
            {runs.map((r) => (
              <li key={r.id}>
                {r.status === 'running' ? (
                  <RunProgress run={r} />
                ) : (
                  <span>
                    {r.kind === 'full' ? `Set version ${r.setVersion}` : 'Preview'}: <strong>{r.status}</strong>, {r.progress.total.toLocaleString('en-US')} customers, {new Date(r.startedAt).toLocaleString()}
                    {r.error && <span className="error"> — {r.error}</span>}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="card" aria-labelledby="queues-title">
        <h2 id="queues-title">Queues</h2>
        <p className="help">Bull Board shows every queue's jobs (waiting, active, failed) with retry and clean. It opens in a new tab, signed in for 15 minutes.</p>
        <button type="button" onClick={openQueues}>
          Open queues
        </button>
      </section>

      <section className="card" aria-labelledby="dead-title">
        <h2 id="dead-title">Dead letters</h2>
        {!dead ? (
          <p className="loading">Loading…</p>
        ) : dead.items.length === 0 ? (
          <p>No dead letters.</p>
        ) : (
          <div className="table-wrap" tabIndex={0} aria-label="Dead letters, scrollable">
            <table>
              <thead>
                <tr>
                  <th scope="col">Delivery</th>
                  <th scope="col">Treatment</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last error</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {dead.items.map((d) => (
                  <tr key={d.id}>
                    <th scope="row">{d.id}</th>
                    <td>{d.treatmentKey}</td>
                    <td>{d.customerId}</td>
                    <td className="num">{d.attempts}</td>
                    <td>
                      {d.lastStatusCode ? `HTTP ${d.lastStatusCode}: ` : ''}
                      {d.lastError ?? ''}
                    </td>
                    <td>
                      <button type="button" className="small" onClick={() => replay(d.id)} aria-label={`Replay delivery ${d.id}`}>
                        Replay
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}
