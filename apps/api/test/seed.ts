import { ApiTestApp } from './api-test-app';

/** Set-up through the API, as a client would do it: fails the set-up on any answer but the expected one. */

/** Imports customers (one NDJSON line each) with the integration key. */
export async function importCustomers(api: ApiTestApp, rows: ReadonlyArray<object>): Promise<void> {
  await api.http
    .post('/v1/customers/import')
    .set(api.auth('integration'))
    .set('Content-Type', 'application/x-ndjson')
    .send(rows.map((r) => `${JSON.stringify(r)}\n`).join(''))
    .expect(200);
}

/** The id of the (first) customer with this e-mail, as an agent's search finds it. */
export async function customerIdByEmail(api: ApiTestApp, email: string): Promise<string> {
  return (await api.http.get('/v1/customers').query({ email }).set(api.auth('agent')).expect(200)).body.customers[0].id;
}
