import { Injectable } from '@nestjs/common';
import {
  AssignmentExplanation,
  ConflictError,
  Customer,
  NotFoundError,
  parseCustomerRef,
  ValidationError,
} from '@corridor/domain';
import { AgentReads, CompiledSetCache, IMPORT_CONNECTION_ID } from '@corridor/persistence';

/** A name search answers at most this many customers (the console lists them to pick from). */
export const NAME_SEARCH_LIMIT = 20;

export interface CustomerView {
  customer: Customer;
  persona: {
    id: string;
    key: string;
    name: string;
    setVersion: number;
    evaluatedAt: Date;
    explanation: AssignmentExplanation;
  } | null;
  history: Array<{
    id: string;
    from: { id: string; key: string | null } | null;
    to: { id: string; key: string | null };
    setVersion: number;
    cause: string;
    changedAt: Date;
  }>;
}

/**
 * What a support agent sees of a customer: attributes, persona, why, and how it got there. The
 * explanation is recomputed from the set that made the assignment, the customer's attributes and
 * the instant it was evaluated: the same inputs the assignment had, so the same answer.
 * Agent reads: on the read replica when one is configured (AgentReads).
 */
@Injectable()
export class CustomersService {
  private readonly customers;
  private readonly store;

  constructor(
    reads: AgentReads,
    private readonly sets: CompiledSetCache,
  ) {
    this.customers = reads.customers;
    this.store = reads.segmentation;
  }

  async find(query: { id?: string; email?: string; crmId?: string; connectionId?: string; name?: string }): Promise<Customer[]> {
    if (query.id) {
      const c = await this.customers.findById(query.id);
      return c ? [c] : [];
    }
    if (query.email) return this.customers.findByEmail(query.email);
    if (query.crmId) return this.customers.findByExternalId(query.crmId, query.connectionId);
    if (query.name?.trim()) return this.customers.searchByName(query.name, NAME_SEARCH_LIMIT);
    throw new ValidationError('Say which customer: id, email, crmId or name', [
      { field: 'email', message: 'one of id, email, crmId or name is required', code: 'LOOKUP_KEY_REQUIRED' },
    ]);
  }

  /**
   * The one customer a reference names (customer-ref.ts: Corridor id, `email:`, `<connectionId>:`
   * or import id); 404 when none, 409 listing them when an email is shared by several.
   */
  async resolve(ref: string): Promise<Customer> {
    const parsed = parseCustomerRef(ref);
    let found: Customer[];
    switch (parsed.kind) {
      case 'id': {
        const c = await this.customers.findById(parsed.id);
        found = c ? [c] : [];
        break;
      }
      case 'email':
        found = await this.customers.findByEmail(parsed.email);
        break;
      case 'external':
        found = await this.customers.findByExternalId(parsed.externalId, parsed.connectionId);
        break;
      case 'import':
        found = await this.customers.findByExternalId(parsed.externalId, IMPORT_CONNECTION_ID);
        break;
    }
    if (found.length === 0) throw new NotFoundError('Customer', ref, 'CUSTOMER_NOT_FOUND');
    if (found.length > 1) {
      throw new ConflictError(
        `${found.length} customers match ${JSON.stringify(ref)}: address one by its id or by <connectionId>:<externalId>`,
        found.slice(0, 20).map((c) => ({
          field: 'ref',
          message: `matches customer ${c.id} (${c.connectionId}:${c.externalId})`,
          code: 'CUSTOMER_REF_AMBIGUOUS',
        })),
        'CUSTOMER_REF_AMBIGUOUS',
      );
    }
    return found[0];
  }

  /** A customer by any reference `resolve` takes. */
  async viewByRef(ref: string): Promise<CustomerView> {
    return this.view((await this.resolve(ref)).id);
  }

  private async view(id: string): Promise<CustomerView> {
    const customer = await this.customers.findById(id);
    if (!customer) throw new NotFoundError('Customer', id, 'CUSTOMER_NOT_FOUND');
    // A merged-away record answers with the survivor.
    if (customer.mergedIntoId) return this.view(customer.mergedIntoId);
    const [assignment, history, keys] = await Promise.all([
      this.store.liveAssignment(customer.id),
      this.store.history(customer.id),
      this.store.personaKeysById(),
    ]);
    let persona: CustomerView['persona'] = null;
    if (assignment && !customer.deleted) {
      const set = await this.sets.get(assignment.setVersion);
      const explanation = set.compiled.explain(customer.attributes, { now: assignment.evaluatedAt.getTime(), timeZone: set.timeZone });
      const i = set.personaIds.indexOf(assignment.personaId);
      persona = {
        id: assignment.personaId,
        key: set.personaKeys[i],
        name: set.compiled.personaAt(i).name,
        setVersion: assignment.setVersion,
        evaluatedAt: assignment.evaluatedAt,
        explanation,
      };
    }
    return {
      customer,
      persona,
      history: history.map((h) => ({
        id: h.id,
        from: h.fromPersonaId ? { id: h.fromPersonaId, key: keys.get(h.fromPersonaId) ?? null } : null,
        to: { id: h.toPersonaId, key: keys.get(h.toPersonaId) ?? null },
        setVersion: h.setVersion,
        cause: h.cause,
        changedAt: h.changedAt,
      })),
    };
  }
}
