import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { ErrorDetail } from '@corridor/domain';
import { CliFailure } from '../cli-output';

/** A 4xx/5xx from the API in its one error shape ({code, message, details}). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The CLI's HTTP client of the Corridor API. Config as code goes through the same routes (and so
 * the same services, validation and previews) as the console: the CLI holds no business rule.
 */
@Injectable()
export class ApiClient {
  private readonly base: string;
  private readonly key: string;

  constructor(config: AppConfig) {
    this.base = (config.CORRIDOR_API_URL || config.PUBLIC_URL || `http://127.0.0.1:${config.PORT}`).replace(/\/+$/, '');
    this.key = config.CORRIDOR_API_KEY;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.key) throw new CliFailure('CORRIDOR_API_KEY is not set: create a key with `corridor keys create --role admin` and export it');
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.key}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new CliFailure(`Cannot reach the Corridor API at ${this.base} (${(e as Error).message}); set CORRIDOR_API_URL`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json ?? {}) as { code?: string; message?: string; details?: ErrorDetail[] };
      throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? text.slice(0, 200), Array.isArray(e.details) ? e.details : []);
    }
    return json as T;
  }
}
