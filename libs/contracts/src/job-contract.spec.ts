import { InvalidJobPayloadError, parseJobPayload } from './job-contract';
import { EVALUATE_CUSTOMERS, RUN_CHUNK } from './segmentation.contract';

describe('job contracts', () => {
  it('accepts a well-formed payload and builds a deterministic id', () => {
    const payload = parseJobPayload(RUN_CHUNK, { runId: '5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f', chunk: 3 });
    expect(payload.chunk).toBe(3);
    expect(RUN_CHUNK.jobId(payload)).toBe('run-chunk.5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f.3');
  });

  it('rejects a payload that does not fit, naming the field', () => {
    expect(() => parseJobPayload(RUN_CHUNK, { runId: 'nope', chunk: -1 })).toThrow(InvalidJobPayloadError);
    expect(() => parseJobPayload(EVALUATE_CUSTOMERS, { customerIds: ['1', 'x'], cause: 'data_change' })).toThrow(/customerIds/);
    expect(() => parseJobPayload(EVALUATE_CUSTOMERS, { customerIds: ['1'], cause: 'data_change', extra: 1 })).toThrow(/extra/);
  });
});
