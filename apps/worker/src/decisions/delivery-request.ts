import type { Customer, JsonTemplate, Touchpoint, Treatment } from '@corridor/domain';
import { renderTemplate } from '@corridor/domain';

export interface RequestContext {
  customer: Customer;
  persona: { key: string; name: string; description: string } | null;
  touchpoint: Touchpoint;
  event: { id: string; occurredAt: Date; properties: Record<string, unknown> };
  now: number;
}

/**
 * The delivery's request, rendered once at decision time and stored, so every attempt and replay
 * sends the same thing whatever changes later. Templates are data: placeholders only.
 */
export function deliveryRequest(treatment: Treatment, ctx: RequestContext): Record<string, unknown> {
  const render = {
    customer: { ...ctx.customer.attributes, id: ctx.customer.id, email: ctx.customer.email },
    persona: ctx.persona,
    touchpoint: { key: ctx.touchpoint.key, name: ctx.touchpoint.name },
    event: { ...ctx.event.properties, id: ctx.event.id, occurredAt: ctx.event.occurredAt.toISOString() },
  };
  const text = (t: string | undefined) => (t === undefined ? undefined : renderTemplate(t, render));
  const record = { connectionId: ctx.customer.connectionId, crmObject: ctx.customer.crmObject, externalId: ctx.customer.externalId };
  switch (treatment.type) {
    case 'webhook':
      return {
        destinationId: treatment.config.destinationId,
        body: treatment.config.payloadTemplate !== undefined ? renderTemplate(treatment.config.payloadTemplate as JsonTemplate, render) : defaultEnvelope(treatment, ctx),
      };
    case 'crm_task':
      return {
        ...record,
        subject: text(treatment.config.subject),
        body: text(treatment.config.body) ?? null,
        dueAt: new Date(ctx.now + treatment.config.dueInDays * 86_400_000).toISOString(),
        priority: treatment.config.priority ?? 'medium',
      };
    case 'crm_property':
      return { ...record, property: treatment.config.property, value: text(treatment.config.value) };
    case 'crm_list':
      return { ...record, listId: treatment.config.listId };
    default:
      return {};
  }
}

function defaultEnvelope(treatment: Treatment, ctx: RequestContext): Record<string, unknown> {
  return {
    type: 'corridor.treatment',
    treatment: { key: treatment.key, name: treatment.name, channel: treatment.channel },
    touchpoint: { key: ctx.touchpoint.key, name: ctx.touchpoint.name },
    persona: ctx.persona ? { key: ctx.persona.key, name: ctx.persona.name } : null,
    customer: { id: ctx.customer.id, email: ctx.customer.email },
    event: { id: ctx.event.id, occurredAt: ctx.event.occurredAt.toISOString(), properties: ctx.event.properties },
  };
}
