import { InvalidJobPayloadError, parseJobPayload } from './job-contract';
import { DECIDE_EVENTS, DISPATCH_DELIVERY } from './treatments.contract';
import { EVALUATE_CUSTOMERS, parseRunChunkJobId, RECONCILE_ASSIGNMENTS, RUN_CHUNK } from './segmentation.contract';

describe('job contracts', () => {
  it('accepts a well-formed payload and builds a deterministic id', () => {
    const payload = parseJobPayload(RUN_CHUNK, { runId: '5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f', chunk: 3 });
    expect(payload.chunk).toBe(3);
    expect(RUN_CHUNK.jobId(payload)).toBe('run-chunk.5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f.3');
    expect(parseRunChunkJobId(RUN_CHUNK.jobId(payload)!)).toEqual({ runId: payload.runId, chunk: 3 });
    expect(parseRunChunkJobId('run-finalize.5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f')).toBeNull();
  });

  it('rejects a payload that does not fit, naming the field', () => {
    expect(() => parseJobPayload(RUN_CHUNK, { runId: 'nope', chunk: -1 })).toThrow(InvalidJobPayloadError);
    expect(() => parseJobPayload(EVALUATE_CUSTOMERS, { customerIds: ['1', 'x'], cause: 'data_change' })).toThrow(/customerIds/);
    expect(() => parseJobPayload(EVALUATE_CUSTOMERS, { customerIds: ['1'], cause: 'data_change', extra: 1 })).toThrow(/extra/);
  });

  it('accepts the empty payload of a job without fields, and still refuses unknown keys', () => {
    expect(parseJobPayload(RECONCILE_ASSIGNMENTS, {})).toEqual({});
    expect(() => parseJobPayload(RECONCILE_ASSIGNMENTS, { extra: 1 })).toThrow(/extra/);
  });

  it('takes the events\' arrival as an optional hint: a job without it (enqueued before it existed) still parses', () => {
    expect(parseJobPayload(DECIDE_EVENTS, { eventIds: ['1', '2'] })).toEqual({ eventIds: ['1', '2'] });
    const hinted = parseJobPayload(DECIDE_EVENTS, { eventIds: ['1'], receivedFrom: '2026-11-30T23:59:59.999Z', receivedTo: '2026-12-01T00:00:00.001Z' });
    expect(hinted.receivedTo).toBe('2026-12-01T00:00:00.001Z');
    expect(DECIDE_EVENTS.jobId(hinted)).toBe(DECIDE_EVENTS.jobId({ eventIds: ['1'] }));
    expect(parseJobPayload(DISPATCH_DELIVERY, { deliveryId: '9', attempt: 2 })).toEqual({ deliveryId: '9', attempt: 2 });
    expect(() => parseJobPayload(DISPATCH_DELIVERY, { deliveryId: '9', attempt: 2, receivedFrom: 'last week' })).toThrow(/receivedFrom/);
  });
});
