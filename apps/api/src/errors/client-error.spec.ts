import { clientErrorResponseOf } from './client-error';

describe('clientErrorResponseOf', () => {
  it('answers oversized headers with 431 in the one error shape', () => {
    expect(clientErrorResponseOf({ code: 'HPE_HEADER_OVERFLOW' })).toMatchObject({ status: 431, body: { code: 'HEADERS_TOO_LARGE', details: [{ field: 'headers' }] } });
  });

  it('answers unparseable HTTP with 400 and a timed-out request with 408', () => {
    expect(clientErrorResponseOf({ code: 'HPE_INVALID_METHOD' })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', details: [{ code: 'HPE_INVALID_METHOD' }] } });
    expect(clientErrorResponseOf({ code: 'ERR_HTTP_REQUEST_TIMEOUT' })).toMatchObject({ status: 408, body: { code: 'REQUEST_TIMEOUT' } });
  });
});
