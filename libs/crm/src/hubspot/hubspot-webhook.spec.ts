import { createHmac } from 'node:crypto';
import { parseHubSpotEvents, verifyHubSpotSignatureV3 } from './hubspot-webhook';

const secret = 'client-secret';
const uri = 'https://corridor.example.com/v1/webhooks/hubspot/abc?x=1';
const body = '[{"eventId":1,"subscriptionType":"contact.propertyChange","objectId":42}]';
const sign = (ts: number, b = body) => createHmac('sha256', secret).update(`POST${uri}${b}${ts}`).digest('base64');

describe('HubSpot signature v3', () => {
  const now = 1_800_000_000_000;
  it('accepts a fresh, correct signature', () => {
    expect(verifyHubSpotSignatureV3({ method: 'POST', uri, rawBody: Buffer.from(body), signature: sign(now - 1000), timestamp: String(now - 1000) }, secret, now)).toBe('ok');
  });
  it('hashes the raw bytes as received (non-ASCII, escapes and whitespace included)', () => {
    const raw = Buffer.from('[ {"objectId":42, "eventId":1, "propertyValue":"Zoë \\u00eb"} ]', 'utf8');
    const ts = now - 1000;
    const signature = createHmac('sha256', secret).update(`POST${uri}`).update(raw).update(String(ts)).digest('base64');
    expect(verifyHubSpotSignatureV3({ method: 'POST', uri, rawBody: raw, signature, timestamp: String(ts) }, secret, now)).toBe('ok');
    const reserialised = JSON.stringify(JSON.parse(raw.toString('utf8')));
    expect(verifyHubSpotSignatureV3({ method: 'POST', uri, rawBody: reserialised, signature, timestamp: String(ts) }, secret, now)).toBe('mismatch');
  });
  it('rejects a changed body, a wrong secret, a stale or missing timestamp', () => {
    const ts = now - 1000;
    expect(verifyHubSpotSignatureV3({ method: 'POST', uri, rawBody: body + ' ', signature: sign(ts), timestamp: String(ts) }, secret, now)).toBe('mismatch');
    expect(verifyHubSpotSignatureV3({ method: 'POST', uri, rawBody: body, signature: sign(ts), timestamp: String(ts) }, 'other', now)).toBe('mismatch');
    const old = now - 5 * 60 * 1000 - 1;
    expect(verifyHubSpotSignatureV3({ method: 'POST', uri, rawBody: body, signature: sign(old), timestamp: String(old) }, secret, now)).toBe('stale');
    expect(verifyHubSpotSignatureV3({ method: 'POST', uri, rawBody: body, signature: undefined, timestamp: String(ts) }, secret, now)).toBe('missing');
    expect(verifyHubSpotSignatureV3({ method: 'POST', uri, rawBody: body, signature: 'short', timestamp: String(ts) }, secret, now)).toBe('mismatch');
  });
});

describe('parseHubSpotEvents', () => {
  it('reduces events to upserts, deletes and merges', () => {
    expect(
      parseHubSpotEvents([
        { eventId: 1, subscriptionType: 'contact.creation', objectId: 5, occurredAt: 1 },
        { eventId: 2, subscriptionType: 'contact.deletion', objectId: 6 },
        { eventId: 3, subscriptionType: 'contact.merge', objectId: 9, primaryObjectId: 7, mergedObjectIds: [8], newObjectId: 9 },
        { eventId: 4, subscriptionType: 'company.creation', objectId: 1 },
      ]),
    ).toEqual([
      { eventId: '1', kind: 'upsert', objectIds: ['5'], occurredAt: new Date(1) },
      { eventId: '2', kind: 'delete', objectIds: ['6'], occurredAt: null },
      { eventId: '3', kind: 'merge', objectIds: ['9', '7', '8'], occurredAt: null },
    ]);
  });
  it("drops property changes of Corridor's own write-back properties", () => {
    const events = [
      { eventId: 1, subscriptionType: 'contact.propertyChange', objectId: 5, propertyName: 'corridor_persona' },
      { eventId: 2, subscriptionType: 'contact.propertyChange', objectId: 5, propertyName: 'corridor_strategy' },
      { eventId: 3, subscriptionType: 'contact.propertyChange', objectId: 5, propertyName: 'hs_persona' },
      { eventId: 4, subscriptionType: 'contact.propertyChange', objectId: 5, propertyName: 'jobtitle' },
    ];
    expect(parseHubSpotEvents(events).map((e) => e.eventId)).toEqual(['3', '4']);
    expect(parseHubSpotEvents(events, new Set(['corridor_persona', 'corridor_strategy', 'hs_persona'])).map((e) => e.eventId)).toEqual(['4']);
  });
});
