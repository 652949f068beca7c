import { randomUUID } from 'node:crypto';
import { mintWebhookId, webhookIdArrival } from './webhook-id';

describe('webhook ids carrying their event arrival', () => {
  const random = Uint8Array.from({ length: 10 }, (_, i) => 0xff - i * 17);

  it('is a UUIDv7 under msg_ whose timestamp is the arrival, read back exactly', () => {
    for (const at of [0, 1, Date.UTC(2026, 0, 31, 23, 59, 59, 999), Date.UTC(2026, 1, 1), 2 ** 48 - 1]) {
      const id = mintWebhookId(at, random);
      expect(id).toMatch(/^msg_[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
      expect(webhookIdArrival(id)).toBe(at);
    }
  });

  it('keeps the random bits apart from the version and variant', () => {
    const a = mintWebhookId(1_000, new Uint8Array(10));
    const b = mintWebhookId(1_000, new Uint8Array(10).fill(0xff));
    expect(a).toBe('msg_0000000003e870008000000000000000');
    expect(b).toBe('msg_0000000003e87fffbfffffffffffffff');
  });

  it('reads no time from the ids minted before (random UUIDv4) nor from anything else', () => {
    expect(webhookIdArrival(`msg_${randomUUID().replace(/-/g, '')}`)).toBeNull();
    expect(webhookIdArrival('wh-17')).toBeNull();
    expect(webhookIdArrival('msg_0000000003e870008000000000000000x')).toBeNull();
    expect(webhookIdArrival('MSG_0000000003E870008000000000000000')).toBeNull();
  });

  it('refuses an arrival it cannot carry', () => {
    expect(() => mintWebhookId(-1, random)).toThrow();
    expect(() => mintWebhookId(2 ** 48, random)).toThrow();
    expect(() => mintWebhookId(1.5, random)).toThrow();
    expect(() => mintWebhookId(1, new Uint8Array(9))).toThrow();
  });
});
