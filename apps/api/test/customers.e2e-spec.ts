import { IMPORT_CONNECTION_ID } from '@corridor/persistence';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { customerIdByEmail, importCustomers } from './seed';

/**
 * A customer is addressed by whatever id the caller knows: Corridor's number, an email, a
 * connection's CRM id, or the id it was imported with (README: "Addressing a customer").
 */
describe('GET /v1/customers/:ref', () => {
  let api: ApiTestApp;
  let ann: string;

  beforeAll(async () => {
    api = await startApiTestApp();
    const rows = [
      { id: 'c-1', attributes: { email: 'Ann@X.io', first_name: 'Ann' } },
      { id: '1001', attributes: { email: 'digits@x.io', first_name: 'Dee' } },
      { id: 'hs:42', attributes: { email: 'colon@x.io', first_name: 'Col' } },
      { id: 'twin-1', attributes: { email: 'twins@x.io', first_name: 'Tim' } },
      { id: 'twin-2', attributes: { email: 'twins@x.io', first_name: 'Tom' } },
    ];
    await importCustomers(api, rows);
    ann = await customerIdByEmail(api, 'ann@x.io');
  });
  afterAll(() => api.close());

  const view = (ref: string) => api.http.get(`/v1/customers/${encodeURIComponent(ref)}`).set(api.auth('agent'));

  it('finds a customer by the id it was imported with, its Corridor id, its email, or connection and CRM id', async () => {
    for (const ref of ['c-1', 'import:c-1', ann, `id:${ann}`, 'email:ann@x.io', 'email:ANN@X.io', `${IMPORT_CONNECTION_ID}:c-1`]) {
      const res = await view(ref);
      expect([ref, res.status, res.body.customer?.id, res.body.customer?.externalId]).toEqual([ref, 200, ann, 'c-1']);
      expect(res.body).toHaveProperty('persona');
      expect(res.body).toHaveProperty('history');
    }
    // Written raw in the path too (no encoding of @ and :).
    expect((await api.http.get('/v1/customers/email:ann@x.io').set(api.auth('agent'))).body.customer?.id).toBe(ann);
  });

  it('reads import ids made of digits or holding ":" with the import: prefix', async () => {
    expect((await view('import:1001')).body.customer?.attributes.first_name).toBe('Dee');
    expect((await view('import:hs:42')).body.customer?.attributes.first_name).toBe('Col');
    expect((await view(`${IMPORT_CONNECTION_ID.toUpperCase()}:hs:42`)).body.customer?.attributes.first_name).toBe('Col');
    // Bare digits are always a Corridor id: 1001 is not Dee's.
    const bare = await view('1001');
    expect(bare.body.customer?.attributes?.first_name).not.toBe('Dee');
  });

  it('answers 404 for a well-formed reference that names nobody', async () => {
    for (const ref of ['c-404', 'import:c-404', 'email:nobody@x.io', '999999', `${IMPORT_CONNECTION_ID}:nope`, '00000000-0000-4000-8000-0000000000ff:c-1']) {
      const res = await view(ref);
      expect([ref, res.status, res.body.code]).toEqual([ref, 404, 'CUSTOMER_NOT_FOUND']);
    }
  });

  it('answers 409 naming each customer when an email is shared', async () => {
    const res = await view('email:twins@x.io');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CUSTOMER_REF_AMBIGUOUS');
    expect(res.body.details.map((d: { message: string }) => d.message.split(' (')[1])).toEqual([
      `${IMPORT_CONNECTION_ID}:twin-1)`,
      `${IMPORT_CONNECTION_ID}:twin-2)`,
    ]);
  });

  it('refuses a malformed reference with a 400 naming the problem', async () => {
    const cases: Array<[string, RegExp]> = [
      ['crm:123', /neither "id", "email", "import" nor a connection id/],
      ['email:not-an-email', /not an email address/],
      ['import:', /empty/],
      [`${IMPORT_CONNECTION_ID}:`, /empty/],
      ['id:abc', /positive whole number/],
      ['99999999999999999999', /9223372036854775807/],
      ['0042', /import:0042/],
      [' c-1', /spaces/],
    ];
    for (const [ref, problem] of cases) {
      const res = await view(ref);
      expect([ref, res.status, res.body.code, res.body.details?.[0]?.field, res.body.details?.[0]?.code]).toEqual([
        ref,
        400,
        'INVALID_CUSTOMER_REF',
        'ref',
        'INVALID_CUSTOMER_REF',
      ]);
      expect(res.body.details[0].message).toMatch(problem);
    }
    // A NUL is refused before the route, like in any path parameter (the input guard).
    const nul = await view('c\u00001');
    expect([nul.status, nul.body.details?.[0]?.field, nul.body.details?.[0]?.code]).toEqual([400, 'ref', 'NUL_CHARACTER']);
  });
});
