import { CanActivate, ExecutionContext, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import type { Request } from 'express';
import { ErrorDetail, ValidationError } from '@corridor/domain';
import { inputProblemsOf, MAX_JSON_DEPTH } from './input-problems';

const JSON_MEDIA_TYPE = 'application/json';
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Refuses, for every route, input no route can take, before any pipe or handler sees it:
 *
 * - 415 UNSUPPORTED_MEDIA_TYPE: a POST/PUT/PATCH whose Content-Type is not one the route declares
 *   (`@ApiConsumes`, the same declaration the OpenAPI document shows; JSON when it declares none),
 *   or that carries a body without any Content-Type. The JSON parser skips such bodies, so without
 *   this the route would run as if sent `{}`. A request with neither body nor Content-Type is
 *   accepted (a publish with nothing to say).
 * - 400 BODY_TOO_DEEP: a JSON body nested past MAX_JSON_DEPTH (what follows would recurse over it).
 * - 400 VALIDATION_FAILED: NUL or a lone surrogate in a path parameter, a query parameter, or a
 *   string or key of the body, each named (`email`, `rule.all[0].value`).
 *
 * A guard (rather than middleware) so the route's declaration is known, and registered after the
 * API-key guard, so a caller without a key hears 401 first.
 */
@Injectable()
export class RequestInputGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (METHODS_WITH_BODY.has(req.method)) this.checkMediaType(req, context);

    const text: ErrorDetail[] = [];
    for (const [name, value] of Object.entries(req.params ?? {})) text.push(...inputProblemsOf(value, name).text);
    for (const [name, value] of Object.entries(req.query ?? {})) text.push(...inputProblemsOf(value, name).text);
    if (typeof req.body === 'object' && req.body !== null) {
      const body = inputProblemsOf(req.body);
      if (body.tooDeep) {
        throw new ValidationError(`The request body is nested more than ${MAX_JSON_DEPTH} levels deep`, [body.tooDeep], 'BODY_TOO_DEEP');
      }
      text.push(...body.text);
    }
    if (text.length > 0) throw new ValidationError('The request holds text that cannot be stored', text);
    return true;
  }

  private checkMediaType(req: Request, context: ExecutionContext): void {
    const declared = this.reflector.getAllAndOverride<string[] | undefined>(DECORATORS.API_CONSUMES, [context.getHandler(), context.getClass()]);
    const accepted = declared?.length ? declared : [JSON_MEDIA_TYPE];
    const header = req.headers['content-type'];
    const mediaType = (header ?? '').split(';')[0].trim().toLowerCase();
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (mediaType === '' ? !hasBody : accepted.includes(mediaType)) return;
    const message = `Send the body as ${accepted.join(' or ')} (got ${mediaType ? JSON.stringify(mediaType) : 'a body without Content-Type'})`;
    throw new UnsupportedMediaTypeException({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message,
      details: [{ field: 'content-type', message, code: 'UNSUPPORTED_MEDIA_TYPE' }],
    });
  }
}
