import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { TouchpointEventDto } from './events.dto';
import { wellFormedSingleEvent } from './single-event.check';

const ok = { touchpoint: 'purchase_completed', customer: 'email:ann@x.io', idempotencyKey: 'k-1' };

/** Bodies around every rule of TouchpointEventDto: the fast check must accept exactly what class-validator accepts. */
const BODIES: Array<Record<string, unknown>> = [
  ok,
  { ...ok, occurredAt: '2026-12-06T10:15:00Z', properties: { amount: 42, nested: { a: [1, 2] } } },
  { ...ok, occurredAt: '2026-12-06T10:15:00.123+01:00' },
  { ...ok, occurredAt: null, properties: null },
  { ...ok, occurredAt: '2026-12-06 10:15:00Z' },
  { ...ok, occurredAt: '2026-02-30T10:15:00Z' },
  { ...ok, occurredAt: 'yesterday' },
  { ...ok, occurredAt: '' },
  { ...ok, occurredAt: 1733480100000 },
  { ...ok, properties: [] },
  { ...ok, properties: 'x' },
  { ...ok, properties: { big: 'x'.repeat(16_384) } },
  { ...ok, properties: { big: 'x'.repeat(16_300) } },
  { ...ok, touchpoint: 'Purchase' },
  { ...ok, touchpoint: '' },
  { ...ok, touchpoint: 'a'.repeat(101) },
  { ...ok, touchpoint: 'a'.repeat(100) },
  { ...ok, touchpoint: 7 },
  { ...ok, customer: '' },
  { ...ok, customer: 'x'.repeat(1001) },
  { ...ok, customer: 12 },
  { ...ok, idempotencyKey: '' },
  { ...ok, idempotencyKey: null },
  { ...ok, idempotencyKey: 'k'.repeat(201) },
  { ...ok, idempotencyKey: 'k'.repeat(200) },
  { touchpoint: 'purchase', customer: 'c-1' },
  { ...ok, extra: 1 },
];
/** Stricter than class-validator is safe (the body then goes through class-validator): a __proto__ key, which class-transformer drops. */
const STRICTER = [JSON.parse('{"touchpoint":"t","customer":"c","idempotencyKey":"k","__proto__":{"polluted":true}}')];

describe('wellFormedSingleEvent', () => {
  it.each(BODIES.map((b, i) => [i, b]))('body %i: accepts exactly when class-validator finds nothing wrong', async (_i, body) => {
    const errors = await validate(plainToInstance(TouchpointEventDto, body), { whitelist: true, forbidNonWhitelisted: true });
    expect(wellFormedSingleEvent(body as Record<string, unknown>) !== null).toBe(errors.length === 0);
  });

  it.each(STRICTER.map((b, i) => [i, b]))('stricter body %i: left to class-validator', (_i, body) => {
    expect(wellFormedSingleEvent(body)).toBeNull();
  });

  it('accepts the common shapes (so the fast path is taken at all)', () => {
    expect(wellFormedSingleEvent(BODIES[0])).toBe(BODIES[0]);
    expect(wellFormedSingleEvent(BODIES[1])).toBe(BODIES[1]);
  });
});
