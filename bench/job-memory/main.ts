import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { DISPATCH_DELIVERY, JOB_CORRELATION_KEY } from '@corridor/contracts';
import { DEFAULT_JOB_OPTIONS } from '@corridor/jobs';
import { flag, round } from '../harness/bench-database';

/**
 * Redis memory per queued job, for docs/capacity.md: N dispatch jobs as the producer adds them (the
 * contract's job id, DEFAULT_JOB_OPTIONS, a correlation id) into an empty redis-server of the
 * bench's own, `used_memory` before and after. Peer: the same number of bare SETs of the job's
 * payload JSON, so the ratio is BullMQ's overhead per job over the payload itself.
 */
async function main(): Promise<void> {
  const jobs = flag('jobs', 20_000);
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const connection = { host: '127.0.0.1', port };
  const redis = new Redis({ ...connection, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    for (let tries = 0; ; tries++) {
      try {
        await redis.connect();
        break;
      } catch (e) {
        if (tries > 50) throw e;
        redis.disconnect();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    const payload = (i: number) => ({ deliveryId: String(10_000_000 + i), attempt: 1, [JOB_CORRELATION_KEY]: 'c0ffee00-1234-4abc-8def-0123456789ab' });

    const queue = new Queue(DISPATCH_DELIVERY.queue, { connection, prefix: 'corridor' });
    await queue.waitUntilReady();
    const before = await used();
    for (let i = 0; i < jobs; i += 500) {
      const batch = Array.from({ length: Math.min(500, jobs - i) }, (_, k) => payload(i + k));
      await queue.addBulk(batch.map((data) => ({ name: DISPATCH_DELIVERY.name, data, opts: { ...DEFAULT_JOB_OPTIONS, jobId: DISPATCH_DELIVERY.jobId(data) } })));
    }
    const perJob = (await used()) - before;
    await queue.close();

    const peerBefore = await used();
    for (let i = 0; i < jobs; i += 500) {
      const pipe = redis.pipeline();
      for (let k = i; k < Math.min(i + 500, jobs); k++) pipe.set(`peer:${k}`, JSON.stringify(payload(k)));
      await pipe.exec();
    }
    const perSet = (await used()) - peerBefore;

    const bytesPerJob = Math.round(perJob / jobs);
    const bytesPerSet = Math.round(perSet / jobs);
    console.log(`${jobs} waiting dispatch jobs: ${bytesPerJob} bytes each in Redis; a bare SET of the payload: ${bytesPerSet} bytes (${round(bytesPerJob / bytesPerSet, 1)}×)`);
    console.log(JSON.stringify({ jobs, bytes_per_waiting_job: bytesPerJob, peer_bytes_per_set: bytesPerSet, ratio_vs_set: round(bytesPerJob / bytesPerSet, 2) }));
  } finally {
    redis.disconnect();
    await stop(server);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
