/**
 * A separate OS process for the shared-budget test: reads HubSpot list pages through the real
 * connector with a Redis budget, as a second worker process would, and reports what it saw.
 * Env: REDIS_URL, BUDGET_KEY, BASE_PATH, TOKEN, PAGES, BURST_MAX, BURST_WINDOW_MS.
 */
import Redis from 'ioredis';
import { HubSpotConnector, RedisRequestBudget } from '@corridor/crm';
import { guardedAgents } from '@corridor/destinations';
import { CRM_RULE, DestinationAllowList } from '@corridor/domain';

async function main(): Promise<void> {
  const env = process.env;
  const redis = new Redis(env.REDIS_URL!);
  const budget = new RedisRequestBudget(redis, env.BUDGET_KEY!, {
    burst: { max: Number(env.BURST_MAX), windowMs: Number(env.BURST_WINDOW_MS) },
  });
  const connector = new HubSpotConnector({ accessToken: env.TOKEN!, settings: { basePath: env.BASE_PATH, fieldMapping: {} }, budget, agents: guardedAgents(new DestinationAllowList(['127.0.0.1']), CRM_RULE) });
  let position = connector.begin('full', null, new Date());
  const started = Date.now();
  let pages = 0;
  while (pages < Number(env.PAGES)) {
    const page = await connector.readPage(position);
    pages++;
    if (!page.next) position = connector.begin('full', null, new Date());
    else position = page.next;
  }
  const stats = connector.takeStats();
  process.stdout.write(JSON.stringify({ pages, ...stats, elapsedMs: Date.now() - started }) + '\n');
  redis.disconnect();
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
