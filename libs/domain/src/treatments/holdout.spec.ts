import { holdoutBucket, isHeldOut } from './holdout';

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));

describe('holdout', () => {
  it('puts each customer in a fixed bucket that depends only on the salt and the id', () => {
    expect(holdoutBucket('s', '42')).toBe(holdoutBucket('s', '42'));
    expect(holdoutBucket('s', '42')).toBeGreaterThanOrEqual(0);
    expect(holdoutBucket('s', '42')).toBeLessThan(10_000);
    const differ = ids(1, 200).filter((id) => holdoutBucket('a', id) !== holdoutBucket('b', id));
    expect(differ.length).toBeGreaterThan(190); // another strategy's salt reshuffles
  });

  it('holds out about the share asked, sequential ids included', () => {
    const all = ids(1, 20_001);
    const out = all.filter((id) => isHeldOut(10, 'salt', id)).length;
    expect(out / all.length).toBeGreaterThan(0.09);
    expect(out / all.length).toBeLessThan(0.11);
    expect(all.some((id) => isHeldOut(0, 'salt', id))).toBe(false);
  });

  it('no existing customer flips as the customer base grows, and newcomers join at the same share', () => {
    const before = ids(1, 5_001);
    const heldBefore = new Map(before.map((id) => [id, isHeldOut(5, 'salt', id)]));
    const grown = ids(1, 25_001); // five times the customers
    for (const id of grown) if (heldBefore.has(id)) expect(isHeldOut(5, 'salt', id)).toBe(heldBefore.get(id));
    const newcomers = grown.filter((id) => !heldBefore.has(id));
    const share = newcomers.filter((id) => isHeldOut(5, 'salt', id)).length / newcomers.length;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
  });

  it('raising the share only adds customers; lowering it only releases some', () => {
    const all = ids(1, 10_001);
    const at5 = new Set(all.filter((id) => isHeldOut(5, 'salt', id)));
    const at10 = new Set(all.filter((id) => isHeldOut(10, 'salt', id)));
    const at2_5 = new Set(all.filter((id) => isHeldOut(2.5, 'salt', id)));
    for (const id of at5) expect(at10.has(id)).toBe(true);
    for (const id of at2_5) expect(at5.has(id)).toBe(true);
    expect(at10.size).toBeGreaterThan(at5.size);
  });
});
