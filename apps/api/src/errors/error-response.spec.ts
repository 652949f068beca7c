import { BadRequestException, HttpException, NotFoundException, PayloadTooLargeException, ServiceUnavailableException } from '@nestjs/common';
import { plainToInstance, Type } from 'class-transformer';
import { IsString, MaxLength, ValidateNested, validateSync } from 'class-validator';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '@corridor/domain';
import { bodyParserErrorOf } from './body-parser-errors';
import { errorResponseOf, MAX_ERROR_DETAILS } from './error-response';
import { validationDetailsOf } from './validation-details';

describe('errorResponseOf', () => {
  it('maps domain error kinds to statuses, keeping code, message and details', () => {
    const cases: Array<[DomainError, number]> = [
      [new ValidationError('bad', [{ field: 'rule.all[0]', message: 'unknown attribute' }]), 400],
      [new DomainError('UNAUTHENTICATED', 'no key', 'unauthenticated'), 401],
      [new DomainError('FORBIDDEN', 'needs admin', 'forbidden'), 403],
      [new NotFoundError('Persona', 'vip'), 404],
      [new ConflictError('exists'), 409],
      [new DomainError('CRM_DOWN', 'try later', 'unavailable'), 503],
      [new DomainError('BROKEN', 'invariant', 'internal'), 500],
    ];
    for (const [error, status] of cases) {
      expect(errorResponseOf(error)).toEqual({
        status,
        body: { code: error.code, message: error.message, details: error.details },
        log: status >= 500 ? 'error' : 'debug',
      });
    }
  });

  it('maps a database that is away to 503 DATABASE_UNAVAILABLE, and other driver errors to 500', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' });
    const shutdown = Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) });
    const starting = Object.assign(new Error('the database system is starting up'), { code: '57P03' });
    const lost = Object.assign(new Error('x'), { code: '08006' });
    const poolTimeout = new Error('timeout exceeded when trying to connect');
    const terminated = new Error('Connection terminated unexpectedly');
    for (const e of [refused, shutdown, starting, lost, poolTimeout, terminated]) {
      expect(errorResponseOf(e)).toMatchObject({ status: 503, body: { code: 'DATABASE_UNAVAILABLE', details: [] }, log: 'error' });
    }
    const unique = Object.assign(new Error('duplicate key'), { driverError: Object.assign(new Error('duplicate key'), { code: '23505' }) });
    expect(errorResponseOf(unique)).toMatchObject({ status: 500, body: { code: 'INTERNAL' } });
  });

  it('maps Nest HTTP exceptions by status, keeping a body that is already in our shape', () => {
    expect(errorResponseOf(new NotFoundException('Cannot GET /nope')).body).toEqual({ code: 'ROUTE_NOT_FOUND', message: 'Cannot GET /nope', details: [] });
    expect(errorResponseOf(new NotFoundException()).body.code).toBe('NOT_FOUND');
    expect(errorResponseOf(new BadRequestException(['a is wrong', 'b is wrong'])).body).toEqual({ code: 'BAD_REQUEST', message: 'a is wrong; b is wrong', details: [] });
    const shaped = new PayloadTooLargeException({ code: 'PAYLOAD_TOO_LARGE', message: 'too big', details: [{ field: 'body', message: 'too big' }] });
    expect(errorResponseOf(shaped)).toEqual({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE', message: 'too big', details: [{ field: 'body', message: 'too big' }] }, log: 'debug' });
    expect(errorResponseOf(new HttpException('teapot', 418)).body.code).toBe('HTTP_418');
    expect(errorResponseOf(new ServiceUnavailableException('db password in here')).body).toEqual({ code: 'UNAVAILABLE', message: 'Internal server error', details: [] });
  });

  it('hides anything else behind 500 INTERNAL and asks for it to be logged', () => {
    expect(errorResponseOf(new TypeError("Cannot read properties of undefined (reading 'secret')"))).toEqual({
      status: 500,
      body: { code: 'INTERNAL', message: 'Internal server error', details: [] },
      log: 'error',
    });
    expect(errorResponseOf('a string').status).toBe(500);
  });

  it('gives body-parser failures their own codes', () => {
    const syntax = Object.assign(new SyntaxError('Unexpected end of JSON input'), { type: 'entity.parse.failed', status: 400 });
    expect(errorResponseOf(bodyParserErrorOf(syntax))).toMatchObject({ status: 400, body: { code: 'MALFORMED_JSON', details: [{ field: 'body' }] } });
    const large = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413, limit: 1048576 });
    expect(errorResponseOf(bodyParserErrorOf(large))).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    const charset = Object.assign(new Error('unsupported charset "LATIN-9"'), { type: 'charset.unsupported', status: 415 });
    expect(errorResponseOf(bodyParserErrorOf(charset))).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });
});

describe('validationDetailsOf', () => {
  class Row {
    @IsString()
    @MaxLength(3)
    id: string;
  }
  class Batch {
    @IsString()
    source: string;

    @ValidateNested({ each: true })
    @Type(() => Row)
    customers: Row[];
  }

  it('points at nested fields with dotted paths and array indexes', () => {
    const batch = plainToInstance(Batch, { source: 1, customers: [{ id: 'ok' }, { id: 'ok' }, { id: 'ok' }, { id: 'toolong' }] });
    expect(validationDetailsOf(validateSync(batch))).toEqual([
      { field: 'source', message: 'source must be a string', code: 'isString' },
      { field: 'customers[3].id', message: 'id must be shorter than or equal to 3 characters', code: 'maxLength' },
    ]);
  });
});

describe('errorResponseOf: details cap', () => {
  it('lists at most MAX_ERROR_DETAILS details and counts the rest', () => {
    const details = Array.from({ length: 100_001 }, (_, i) => ({ field: `customers[${i}].id`, message: 'id must be a string' }));
    const { body } = errorResponseOf(new ValidationError('bad', details));
    expect(body.details).toHaveLength(MAX_ERROR_DETAILS);
    expect(body.details[0].field).toBe('customers[0].id');
    expect(body.detailsOmitted).toBe(100_001 - MAX_ERROR_DETAILS);
  });

  it('adds no count when nothing was left out', () => {
    const details = Array.from({ length: MAX_ERROR_DETAILS }, () => ({ field: 'x', message: 'bad' }));
    expect(errorResponseOf(new ValidationError('bad', details)).body).not.toHaveProperty('detailsOmitted');
  });
});
