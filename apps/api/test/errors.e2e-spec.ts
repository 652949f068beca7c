import { ApiTestApp, startApiTestApp } from './api-test-app';

describe('the one error shape', () => {
  let api: ApiTestApp;
  beforeAll(async () => (api = await startApiTestApp()));
  afterAll(() => api.close());

  it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
    const res = await api.http.get('/v1/nope').set(api.auth('admin'));
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ code: 'ROUTE_NOT_FOUND', message: 'Cannot GET /v1/nope', details: [] });
  });

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await api.http.post('/v1/attributes').set(api.auth('admin')).set('Content-Type', 'application/json').send('{"name": "x",');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 'MALFORMED_JSON',
      message: 'The request body is not valid JSON',
      details: [{ field: 'body', message: expect.any(String), code: 'MALFORMED_JSON' }],
    });
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await api.http
      .post('/v1/attributes')
      .set(api.auth('admin'))
      .send({ name: 'big', type: 'string', description: 'x'.repeat(1024 * 1024 + 10) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: [{ field: 'body' }] });
  });

  it('answers invalid and unexpected fields with 400 VALIDATION_FAILED naming each field', async () => {
    const res = await api.http.post('/v1/attributes').set(api.auth('admin')).send({ name: 'Bad Name', type: 'colour', extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.message).toBe('The request is not valid');
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'name', code: 'matches' }),
        expect.objectContaining({ field: 'type', code: 'isIn' }),
        expect.objectContaining({ field: 'extra', code: 'whitelistValidation' }),
      ]),
    );
  });

  it('answers a wrong upload type with 415 naming content-type', async () => {
    const res = await api.http.post('/v1/customers/import').set(api.auth('admin')).send({ id: 'x' });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', details: [{ field: 'content-type' }] });
  });
});
