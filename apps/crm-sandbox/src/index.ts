export { startCrmSandbox, type CrmSandbox } from './sandbox-server';
export type { HubSpotAdmin, SalesforceAdmin, SandboxStats, CrmName } from './sandbox-admin';
export { SandboxAdmin } from './sandbox-admin';
export * from './sandbox-options';
export type { FailRule, FaultOptions } from './core/fault-injector';
export type { WebhookDelivery } from './core/webhook-sender';
export { hubSpotSignatureV3, type HubSpotWebhookEvent, type HubSpotEventInput } from './hubspot/hubspot-webhooks';
export { SECRET_HEADER as SALESFORCE_WEBHOOK_SECRET_HEADER, type SalesforceChangeNotification, type SalesforceRelayBody } from './salesforce/salesforce-webhooks';
