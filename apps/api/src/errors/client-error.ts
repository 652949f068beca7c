import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from './error-response';

/**
 * Node's http server answers a request it cannot parse (headers or URL over `maxHeaderSize`,
 * bad HTTP, a request that timed out) itself, with an empty body, before express or Nest see it.
 * This `clientError` handler writes the same statuses in the one error shape instead.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const response = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  // A reset connection has no one to answer; a response already under way cannot be replaced.
  if (err.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, body } = clientErrorResponseOf(err);
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
}

export function clientErrorResponseOf(err: { code?: string }): { status: number; body: ErrorBody } {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const message = `The request's URL and headers are larger than ${maxHeaderSize} bytes`;
    return { status: 431, body: { code: 'HEADERS_TOO_LARGE', message, details: [{ field: 'headers', message: 'too large', code: 'HEADERS_TOO_LARGE' }] } };
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, body: { code: 'REQUEST_TIMEOUT', message: 'The request was not received in time', details: [] } };
  }
  const message = 'The request is not valid HTTP';
  return { status: 400, body: { code: 'BAD_REQUEST', message, details: [{ field: 'request', message, code: err.code ?? 'BAD_REQUEST' }] } };
}
