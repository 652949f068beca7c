/** A CRM change notification, reduced to what sync needs (no payload values are kept). */
export interface CrmWebhookEvent {
  /** Unique per connection: redeliveries carry the same id and are dropped. */
  eventId: string;
  kind: 'upsert' | 'delete' | 'merge';
  /** CRM ids concerned; for a merge the survivor first, then the merged-away ids. */
  objectIds: string[];
  occurredAt: Date | null;
}
