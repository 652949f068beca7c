/** Prefix counts over base-record indexes: how many generated records the overlay has replaced. */
export class Fenwick {
  private readonly tree: Int32Array;

  constructor(readonly size: number) {
    this.tree = new Int32Array(size + 1);
  }

  add(index: number, delta: number): void {
    for (let i = index + 1; i <= this.size; i += i & -i) this.tree[i] = (this.tree[i] as number) + delta;
  }

  /** Sum over [0, end). */
  prefix(end: number): number {
    let sum = 0;
    for (let i = Math.min(end, this.size); i > 0; i -= i & -i) sum += this.tree[i] as number;
    return sum;
  }

  range(start: number, end: number): number {
    return end <= start ? 0 : this.prefix(end) - this.prefix(start);
  }
}
