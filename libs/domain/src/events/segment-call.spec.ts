import { segmentCallToEvent } from './segment-call';

describe('segmentCallToEvent', () => {
  const mappings = { 'Order Completed': 'purchase_completed' };
  const track = { type: 'track', event: 'Order Completed', messageId: 'm-1', userId: '42', timestamp: '2026-12-01T09:00:00Z', properties: { revenue: 3 } };

  it('maps a track call: messageId is the key, userId the customer, timestamp the time', () => {
    expect(segmentCallToEvent(track, mappings)).toEqual({
      kind: 'event',
      touchpoint: 'purchase_completed',
      customerRef: '42',
      customerField: 'userId',
      occurredAt: '2026-12-01T09:00:00Z',
      properties: { revenue: 3 },
      idempotencyKey: 'm-1',
    });
  });

  it('falls back to context.traits.email, and to originalTimestamp', () => {
    const out = segmentCallToEvent({ ...track, userId: null, timestamp: undefined, originalTimestamp: '2026-01-01T00:00:00Z', context: { traits: { email: 'a@x.io' } } }, mappings, 'batch[2].');
    expect(out).toMatchObject({ kind: 'event', customerRef: 'email:a@x.io', customerField: 'batch[2].context.traits.email', occurredAt: '2026-01-01T00:00:00Z' });
  });

  it('ignores other call types and unmapped events, even ones named like Object members', () => {
    expect(segmentCallToEvent({ type: 'identify', userId: '1' }, mappings).kind).toBe('ignored');
    expect(segmentCallToEvent({ ...track, event: 'Viewed' }, mappings).kind).toBe('ignored');
    expect(segmentCallToEvent({ ...track, event: 'constructor' }, mappings).kind).toBe('ignored');
  });

  it('rejects a track call without event, messageId or customer, naming the field', () => {
    expect(segmentCallToEvent({ ...track, event: '' }, mappings, 'batch[1].')).toMatchObject({ kind: 'rejected', field: 'batch[1].event' });
    expect(segmentCallToEvent({ ...track, messageId: undefined }, mappings)).toMatchObject({ kind: 'rejected', code: 'MESSAGE_ID_REQUIRED', field: 'messageId' });
    expect(segmentCallToEvent({ ...track, userId: undefined, anonymousId: 'x' }, mappings)).toMatchObject({ kind: 'rejected', code: 'CUSTOMER_REQUIRED' });
  });
});
