import { ArgumentsHost, Logger } from '@nestjs/common';
import { ApiExceptionFilter } from './api-exception.filter';

function hostFor(res: object) {
  return {
    switchToHttp: () => ({ getRequest: () => ({ method: 'GET', route: { path: '/x' } }), getResponse: () => res }),
  } as unknown as ArgumentsHost;
}

describe('ApiExceptionFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers a bug with 500 INTERNAL, logging the error (stack included) but never sending it', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const res = { headersSent: false, status: jest.fn().mockReturnThis(), json: jest.fn() };
    const bug = new TypeError('db password is hunter2');
    new ApiExceptionFilter().catch(bug, hostFor(res));
    expect(res.status).toHaveBeenCalledWith(500);
    expect(res.json).toHaveBeenCalledWith({ code: 'INTERNAL', message: 'Internal server error', details: [] });
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ err: bug, status: 500 }), 'request failed');
  });

  it('cuts off a response that had already started streaming', () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const res = { headersSent: true, destroy: jest.fn(), status: jest.fn() };
    new ApiExceptionFilter().catch(new Error('mid-stream'), hostFor(res));
    expect(res.destroy).toHaveBeenCalled();
    expect(res.status).not.toHaveBeenCalled();
  });
});
