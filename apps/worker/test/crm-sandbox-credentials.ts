import { SalesforceCredentials } from '@corridor/domain';
import {
  DEFAULT_SALESFORCE_CLIENT_ID,
  DEFAULT_SALESFORCE_CLIENT_SECRET,
  DEFAULT_SALESFORCE_PASSWORD,
  DEFAULT_SALESFORCE_USERNAME,
} from '../../crm-sandbox/src/sandbox-options';

/**
 * The CRM sandbox's Salesforce integration user (its default app and login), as a connection's
 * credentials. Without `webhookSecret` the connection has none, as a real one may.
 */
export function sandboxSalesforceCredentials(webhookSecret?: string): SalesforceCredentials {
  return {
    kind: 'salesforce',
    clientId: DEFAULT_SALESFORCE_CLIENT_ID,
    clientSecret: DEFAULT_SALESFORCE_CLIENT_SECRET,
    username: DEFAULT_SALESFORCE_USERNAME,
    password: DEFAULT_SALESFORCE_PASSWORD,
    ...(webhookSecret === undefined ? {} : { webhookSecret }),
  };
}
