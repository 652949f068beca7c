/**
 * A delivery's webhook id (`msg_` and 32 hex digits, the Standard Webhooks shape) laid out as a
 * UUIDv7 whose timestamp is its event's arrival (`event_received_at`, the partition key of
 * deliveries, to the millisecond) rather than the moment it was minted: an outcome that names the
 * webhook id then names the delivery's month (docs/capacity.md, what prunes). The arrival is the
 * database's own value as the decide step read it, so no clock of the worker enters it. 74 random
 * bits keep it unguessable. Ids minted before (`msg_` + a random UUIDv4) carry no time.
 */
export function mintWebhookId(eventArrivalMs: number, random: Uint8Array): string {
  if (!Number.isSafeInteger(eventArrivalMs) || eventArrivalMs < 0 || eventArrivalMs >= 2 ** 48) throw new Error('mintWebhookId: arrival out of range');
  if (random.length < 10) throw new Error('mintWebhookId: 10 random bytes needed');
  const b = new Uint8Array(16);
  let t = eventArrivalMs;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b.set(random.subarray(0, 10), 6);
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  return `msg_${Buffer.from(b).toString('hex')}`;
}

const V7 = /^msg_([0-9a-f]{12})7[0-9a-f]{3}[89ab][0-9a-f]{15}$/;

/**
 * The event arrival a webhook id minted by `mintWebhookId` carries (epoch ms, the arrival
 * truncated to the millisecond), or null for any other id (older random ones, a caller's typo).
 * A hint only: the lookup still finds a delivery outside it.
 */
export function webhookIdArrival(webhookId: string): number | null {
  const m = V7.exec(webhookId);
  return m ? parseInt(m[1], 16) : null;
}
