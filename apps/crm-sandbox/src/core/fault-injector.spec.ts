import { DEFAULT_FAULTS, FaultInjector } from './fault-injector';

describe('FaultInjector', () => {
  it("failNext 'after' lets that many matching requests through, then fails `count` of them", () => {
    const faults = new FaultInjector({ ...DEFAULT_FAULTS }, 1);
    faults.failNext({ path: '/composite/sobjects', method: 'PATCH', status: 503, after: 2, count: 2 });
    const kinds = ['GET', 'PATCH', 'PATCH', 'PATCH', 'PATCH', 'PATCH'].map((m) => faults.decide(m, '/services/data/v59.0/composite/sobjects'));
    expect(kinds.map((a) => (a.kind === 'status' ? a.status : a.kind))).toEqual(['none', 'none', 'none', 503, 503, 'none']);
  });

  it('a storm refuses with stormStatus, and says when it ends only when asked to', () => {
    const salesforce = new FaultInjector({ ...DEFAULT_FAULTS, stormRate: 1, stormMs: 1500, stormStatus: 403, stormRetryAfter: false }, 1);
    expect(salesforce.decide('GET', '/query')).toEqual({ kind: 'status', status: 403, headers: {}, html: false, storm: true });
    const gateway = new FaultInjector({ ...DEFAULT_FAULTS, stormRate: 1, stormMs: 1500 }, 1);
    expect(gateway.decide('GET', '/query')).toEqual({ kind: 'status', status: 429, headers: { 'Retry-After': '2' }, html: false, storm: true });
  });
});
