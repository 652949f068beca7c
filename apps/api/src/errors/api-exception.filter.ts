import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorResponseOf } from './error-response';

/**
 * The one exception filter: every error leaves the API as `{code, message, details}` with the
 * status its kind or HTTP exception implies. Bugs are logged with their stack, never sent.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const { status, body, log } = errorResponseOf(exception);
    const where = { method: req.method, route: req.route?.path, status, code: body.code };
    if (log === 'error') this.logger.error({ ...where, err: exception }, 'request failed');
    else this.logger.debug({ ...where, details: body.details }, 'request refused');
    if (res.headersSent) {
      // A streamed answer already started: the best left to do is to cut it off.
      res.destroy();
      return;
    }
    res.status(status).json(body);
  }
}
