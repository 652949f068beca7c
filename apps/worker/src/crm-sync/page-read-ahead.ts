import { CrmConnector, CrmPage, SyncPosition } from '@corridor/domain';

/**
 * Reads a connector's pages ahead of the consumer (up to `maxAhead` pages), so fetching the next
 * pages overlaps committing the previous ones: cursor paging is sequential, the database need not
 * wait for it. Pages come out in order; `stop()` ends the reading (crash, lease lost).
 */
export class PageReadAhead {
  private readonly buffer: CrmPage[] = [];
  private error: unknown = null;
  private finished = false;
  private stopped = false;
  private wakeConsumer: (() => void) | null = null;
  private wakeProducer: (() => void) | null = null;

  constructor(
    private readonly connector: CrmConnector,
    start: SyncPosition,
    private readonly maxAhead: number,
  ) {
    void this.produce(start);
  }

  private async produce(start: SyncPosition): Promise<void> {
    let position: SyncPosition | null = start;
    try {
      while (position && !this.stopped) {
        while (this.buffer.length >= this.maxAhead && !this.stopped) await new Promise<void>((r) => (this.wakeProducer = r));
        if (this.stopped) break;
        const page: CrmPage = await this.connector.readPage(position);
        this.buffer.push(page);
        position = page.next;
        this.wake('consumer');
      }
    } catch (e) {
      this.error = e;
    }
    this.finished = true;
    this.wake('consumer');
  }

  private wake(who: 'consumer' | 'producer'): void {
    const fn = who === 'consumer' ? this.wakeConsumer : this.wakeProducer;
    if (who === 'consumer') this.wakeConsumer = null;
    else this.wakeProducer = null;
    fn?.();
  }

  /** The next page in order, or null when the sync has no more; rethrows the reader's error. */
  async next(): Promise<CrmPage | null> {
    while (this.buffer.length === 0) {
      if (this.error) throw this.error;
      if (this.finished) return null;
      await new Promise<void>((r) => (this.wakeConsumer = r));
    }
    const page = this.buffer.shift()!;
    this.wake('producer');
    return page;
  }

  /** Pages already read and waiting (the consumer may take them into one commit). */
  get ready(): number {
    return this.buffer.length;
  }

  stop(): void {
    this.stopped = true;
    this.wake('producer');
  }
}
