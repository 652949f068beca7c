import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { createRedisClient, RedisClient } from '@corridor/jobs';
import { guardedAgents, GuardedAgents } from '@corridor/destinations';
import { CRM_RULE, CrmConnection, CrmConnector, DestinationAllowList } from '@corridor/domain';
import { HubSpotConnector } from './hubspot/hubspot-connector.adapter';
import { budgetKeyPrefix, RedisRequestBudget } from './rate-limit/redis-request-budget';
import { LaneLimit, RequestBudget, UNLIMITED_BUDGET, BudgetLane } from './rate-limit/request-budget';
import { SalesforceConnector } from './salesforce/salesforce-connector.adapter';
import { SalesforceSessionCache } from './salesforce/salesforce-session-cache';
import { SalesforceTaskFieldCache } from './salesforce/salesforce-task-key-field';

/** HubSpot Free/Starter: 100 requests per rolling 10 s; search 5 per second. */
export const HUBSPOT_DEFAULT_BURST = 100;
export const HUBSPOT_DEFAULT_SEARCH_PER_SECOND = 5;

export interface ConnectorOptions {
  /** Skip the shared budget (connection tests: one or two requests). */
  unbudgeted?: boolean;
  maxAttempts?: number;
  /** A tighter bound of one request than CRM_CALL_TIMEOUT_MS (connection tests: a person waits on them). */
  callTimeoutMs?: number;
}

/** Builds the connector for a connection, wired to its rate budget in Redis (shared by all processes). */
@Injectable()
export class CrmConnectorFactory implements OnModuleDestroy {
  private redis: RedisClient | null = null;
  /** Salesforce sessions shared by this process's jobs (a login per job exhausted orgs' login rate). */
  private readonly salesforceSessions = new SalesforceSessionCache();
  /** Whether each Salesforce connection's Task has Corridor_Delivery_Id__c (a describe per task otherwise). */
  private readonly salesforceTaskFields = new SalesforceTaskFieldCache();
  /** Shared keep-alive agents that check every address connected to (CRM_ALLOWED_HOSTS): DNS rebinding cannot reach an internal service. */
  private readonly agents: GuardedAgents;

  constructor(private readonly config: AppConfig) {
    this.agents = guardedAgents(new DestinationAllowList(config.crmAllowedHosts), CRM_RULE);
  }

  create(connection: CrmConnection, options: ConnectorOptions = {}): CrmConnector {
    const budget = options.unbudgeted ? UNLIMITED_BUDGET : this.budgetFor(connection);
    if (connection.credentials.kind === 'hubspot') {
      return new HubSpotConnector({
        accessToken: connection.credentials.accessToken,
        settings: connection.settings,
        budget,
        maxAttempts: options.maxAttempts,
        callTimeoutMs: callTimeoutOf(this.config.CRM_CALL_TIMEOUT_MS, options.callTimeoutMs),
        agents: this.agents,
      });
    }
    return new SalesforceConnector({
      credentials: connection.credentials,
      settings: connection.settings,
      budget,
      maxAttempts: options.maxAttempts,
      callTimeoutMs: callTimeoutOf(this.config.CRM_CALL_TIMEOUT_MS, options.callTimeoutMs),
      agents: this.agents,
      // A connection test proves the credentials: it always logs in.
      ...(options.unbudgeted ? {} : { connectionId: connection.id, sessions: this.salesforceSessions, taskFields: this.salesforceTaskFields }),
    });
  }

  budgetFor(connection: CrmConnection): RequestBudget {
    const rl = connection.settings.rateLimit ?? {};
    const limits: Partial<Record<BudgetLane, LaneLimit>> = {};
    if (connection.kind === 'hubspot') {
      limits.burst = { max: rl.burstPer10s ?? HUBSPOT_DEFAULT_BURST, windowMs: 10_000 };
      limits.search = { max: rl.searchPerSecond ?? HUBSPOT_DEFAULT_SEARCH_PER_SECOND, windowMs: 1_000 };
    } else if (rl.burstPer10s) {
      limits.burst = { max: rl.burstPer10s, windowMs: 10_000 };
    }
    if (!Object.values(limits).some((l) => l && l.max > 0)) return UNLIMITED_BUDGET;
    return new RedisRequestBudget(this.client(), budgetKeyPrefix(this.config.REDIS_PREFIX, 'crm-budget', connection.id), limits);
  }

  private client(): RedisClient {
    this.redis ??= createRedisClient(this.config.REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false });
    return this.redis;
  }

  async onModuleDestroy(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
    await this.redis?.quit().catch(() => undefined);
    this.redis = null;
  }
}

/** The tighter of the setting (0: none) and a caller's bound. */
function callTimeoutOf(setting: number, requested: number | undefined): number {
  if (!requested) return setting;
  return setting ? Math.min(setting, requested) : requested;
}
