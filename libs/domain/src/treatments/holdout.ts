import { createHmac } from 'node:crypto';

/** Holdout shares are resolved to 1/100 of a percent. */
export const HOLDOUT_BUCKETS = 10_000;

/**
 * The customer's fixed bucket (0 … 9,999) for a strategy's holdout: HMAC-SHA256 keyed with the
 * strategy's salt over the customer id, first 8 bytes as an unsigned integer, mod 10,000.
 *
 * It depends on nothing but (salt, customer id), so it never changes when other customers come or
 * go, and the keyed hash spreads any id pattern evenly (sequential ids included); a secret-ish salt
 * also stops anyone predicting who is held out from an id alone.
 */
export function holdoutBucket(salt: string, customerId: string): number {
  const digest = createHmac('sha256', salt).update(customerId, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(HOLDOUT_BUCKETS));
}

/**
 * In the holdout when the bucket is below the share (percent × 100 buckets). A threshold over a
 * fixed bucket is monotone: raising the share only adds customers, lowering it only releases
 * some, and a customer added later lands below the threshold with the same probability as
 * everyone else (the share holds for new customers).
 */
export function isHeldOut(holdoutPercent: number, salt: string, customerId: string): boolean {
  if (!(holdoutPercent > 0)) return false;
  const threshold = Math.round(holdoutPercent * (HOLDOUT_BUCKETS / 100));
  return holdoutBucket(salt, customerId) < threshold;
}
