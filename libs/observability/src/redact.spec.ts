import { Writable } from 'node:stream';
import pino from 'pino';
import { withCorrelationId } from './correlation';
import { loggerOptions } from './pino-options';
import { redactSecrets, redactUrl } from './redact';

describe('redactSecrets', () => {
  it('censors secret-looking keys at any depth and leaves the rest', () => {
    expect(
      redactSecrets({
        user: 'ann',
        password: 'p',
        nested: { accessToken: 't', list: [{ client_secret: 's', ok: 1 }], headers: { Authorization: 'Bearer x', 'X-Api-Key': 'k' } },
      }),
    ).toEqual({
      user: 'ann',
      password: '[redacted]',
      nested: { accessToken: '[redacted]', list: [{ client_secret: '[redacted]', ok: 1 }], headers: { Authorization: '[redacted]', 'X-Api-Key': '[redacted]' } },
    });
  });

  it('censors secret query parameters in URLs', () => {
    expect(redactUrl('/hook?token=abc&x=1')).toBe('/hook?token=%5Bredacted%5D&x=1');
    expect(redactUrl('/v1/customers?limit=5')).toBe('/v1/customers?limit=5');
  });
});

describe('loggerOptions', () => {
  function capture() {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    return { lines, logger: pino(loggerOptions({ app: 'test', level: 'info' }), stream) };
  }

  it('writes JSON with the app, the correlation id and no secrets', async () => {
    const { lines, logger } = capture();
    withCorrelationId('req-1', () => logger.info({ connection: { refresh_token: 'r', portal: 7 } }, 'synced'));
    logger.child({ apiKey: 'crd_x' }).warn({ req: { headers: { authorization: 'Bearer y', cookie: 'c' } } }, 'plain');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ app: 'test', level: 'info', msg: 'synced', correlationId: 'req-1', connection: { refresh_token: '[redacted]', portal: 7 } });
    expect(lines[1]).toMatchObject({ apiKey: '[redacted]', req: { headers: { authorization: '[redacted]', cookie: '[redacted]' } } });
    expect(lines[1]).not.toHaveProperty('correlationId');
    expect(JSON.stringify(lines)).not.toMatch(/Bearer|crd_x|"r"/);
  });
});

describe('errors in logs', () => {
  it('keep what they are and where from, never query parameters or row values', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino(loggerOptions({ app: 'test', level: 'info' }), stream);
    const driverError = Object.assign(new Error('new row for relation "connections" violates check constraint "c"'), {
      code: '23514',
      constraint: 'c',
      table: 'connections',
      detail: 'Failing row contains (v1.sealed-value).',
    });
    const failed = Object.assign(new Error(driverError.message), { query: 'INSERT …', parameters: ['v1.sealed-value'], driverError });
    logger.error({ err: failed }, 'request failed');
    logger.error({ nested: { error: failed } }, 'nested');
    logger.error(failed);
    await new Promise((r) => setImmediate(r));
    const text = lines.join('');
    expect(text).not.toContain('sealed-value');
    expect(JSON.parse(lines[0]).err).toMatchObject({ type: 'Error', message: driverError.message, driverError: { code: '23514', constraint: 'c', table: 'connections' } });
  });
});
