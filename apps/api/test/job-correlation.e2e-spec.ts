import { ChildProcess } from 'node:child_process';
import { collectLogLines, eventually, spawnWorkerProcess, stopProcess } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

/**
 * One id follows the work from the HTTP request to the job to the worker's logs: the request's
 * X-Request-Id rides in the job's data and the worker logs the job under it.
 */
describe('correlation id from request to worker', () => {
  let api: ApiTestApp;
  let worker: ChildProcess;
  let lines: Array<Record<string, unknown>>;

  beforeAll(async () => {
    api = await startApiTestApp();
    worker = spawnWorkerProcess({ ...api.ctx.env, LOG_LEVEL: 'debug' }, { captureStdout: true });
    lines = collectLogLines(worker);
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await api?.close();
  });

  it("a request's X-Request-Id reaches the worker's log lines for the job it enqueued", async () => {
    const id = `corr-${Date.now().toString(36)}`;
    const res = await api.http.post('/v1/segmentation/refresh').set(api.auth('admin')).set('X-Request-Id', id);
    expect(res.status).toBe(202);
    expect(res.headers['x-request-id']).toBe(id);
    const line = await eventually(
      async () => lines.find((l) => l.correlationId === id && l.job === 'run-finalize' && l.msg === 'job done'),
      "the worker to log the refresh run's go-live job under the request id",
      90_000,
      200,
    );
    expect(line).toMatchObject({ app: 'worker', correlationId: id });
    // The worker's own lines for other work do not borrow the id.
    expect(lines.filter((l) => l.msg === 'worker started').every((l) => l.correlationId !== id)).toBe(true);
  });
});
