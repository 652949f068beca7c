import { HttpStatus, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ValidationError } from '@corridor/domain';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/**
 * Turns body-parser's errors into ones the exception filter maps to the error body. Without this,
 * Nest reduces a JSON syntax error to a bare 400 and passes a too-large body on untyped.
 */
export function bodyParserErrorOf(err: BodyParserError): Error {
  switch (err.type) {
    case 'entity.parse.failed':
      return new ValidationError('The request body is not valid JSON', [{ field: 'body', message: err.message, code: 'MALFORMED_JSON' }], 'MALFORMED_JSON');
    case 'entity.too.large':
      return new PayloadTooLargeException({
        code: 'PAYLOAD_TOO_LARGE',
        message: `The request body is larger than ${err.limit ?? 'allowed'} bytes`,
        details: [{ field: 'body', message: 'too large', code: 'PAYLOAD_TOO_LARGE' }],
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeException({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: err.message,
        details: [{ field: 'content-type', message: err.message, code: 'UNSUPPORTED_MEDIA_TYPE' }],
      });
    default:
      if (err.status && err.status >= 400 && err.status < 500 && err.status !== HttpStatus.NOT_FOUND) {
        return new ValidationError('The request body could not be read', [{ field: 'body', message: err.message, code: 'BODY_UNREADABLE' }], 'BODY_UNREADABLE');
      }
      return err;
  }
}

/** Express error middleware placed right after the body parsers. */
export function bodyParserErrors(err: BodyParserError, _req: Request, _res: Response, next: NextFunction): void {
  next(bodyParserErrorOf(err));
}
