export interface DeliveryAttempt {
  attempt: number;
  at: number;
  status?: number;
  error?: string;
  durationMs: number;
}

export interface WebhookDelivery {
  targetUrl: string;
  ok: boolean;
  attempts: DeliveryAttempt[];
  /** Body of the last attempt, as sent (for signature checks in tests). */
  body: string;
  headers: Record<string, string>;
  /** Response body of the last attempt (truncated). */
  responseBody?: string;
}

export interface SendOptions {
  maxAttempts: number;
  retryDelayMs: number;
  timeoutMs?: number;
}

/**
 * POSTs a JSON body, retrying non-2xx answers and network failures like the vendors do. The body
 * and headers are rebuilt per attempt so signatures and attempt numbers stay truthful.
 */
export async function postWithRetries(
  targetUrl: string,
  build: (attempt: number) => { body: string; headers: Record<string, string> },
  options: SendOptions,
): Promise<WebhookDelivery> {
  const attempts: DeliveryAttempt[] = [];
  let last = build(0);
  let responseBody: string | undefined;
  const maxAttempts = Math.max(1, options.maxAttempts);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs));
    last = build(attempt);
    const started = Date.now();
    try {
      const response = await fetch(targetUrl, {
        method: 'POST',
        headers: last.headers,
        body: last.body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      responseBody = (await response.text()).slice(0, 2000);
      attempts.push({ attempt, at: started, status: response.status, durationMs: Date.now() - started });
      if (response.ok) return { targetUrl, ok: true, attempts, body: last.body, headers: last.headers, responseBody };
    } catch (error) {
      attempts.push({ attempt, at: started, error: (error as Error).message, durationMs: Date.now() - started });
    }
  }
  return { targetUrl, ok: false, attempts, body: last.body, headers: last.headers, responseBody };
}
