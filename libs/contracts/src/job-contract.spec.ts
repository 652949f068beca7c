import { InvalidJobPayloadError, parseJobPayload } from './job-contract';
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
});
