import { installGracefulShutdown } from './graceful-shutdown';

const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };

function harness(close: () => Promise<void>, timeoutMs = 1000) {
  const listeners = new Map<string, () => void>();
  const exits: number[] = [];
  installGracefulShutdown({ close }, logger, {
    timeoutMs,
    on: (signal, listener) => listeners.set(signal, listener),
    exit: (code) => exits.push(code),
  });
  return { signal: (s: string) => listeners.get(s)!(), exits };
}

describe('installGracefulShutdown', () => {
  afterEach(() => jest.useRealTimers());

  it('closes the app on SIGTERM and exits 0 once jobs in hand are done', async () => {
    let finish!: () => void;
    const h = harness(() => new Promise<void>((resolve) => (finish = resolve)));
    h.signal('SIGTERM');
    expect(h.exits).toEqual([]);
    finish();
    await new Promise((r) => setImmediate(r));
    expect(h.exits).toEqual([0]);
  });

  it('exits 1 when jobs outlast the timeout, or at once on a second signal', async () => {
    jest.useFakeTimers();
    const slow = harness(() => new Promise<void>(() => undefined), 5000);
    slow.signal('SIGTERM');
    jest.advanceTimersByTime(5000);
    expect(slow.exits).toEqual([1]);

    const impatient = harness(() => new Promise<void>(() => undefined));
    impatient.signal('SIGINT');
    impatient.signal('SIGINT');
    expect(impatient.exits).toEqual([1]);
  });
});
