import { Injectable } from '@nestjs/common';
import { AssignmentExplanation, compileSetSnapshot, Customer, LoadedPersonaSet, NotFoundError, ValidationError } from '@corridor/domain';
import { CustomerRepository, PersonaSetRepository, SegmentationStore } from '@corridor/persistence';

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
 */
@Injectable()
export class CustomersService {
  private readonly compiled = new Map<number, LoadedPersonaSet>();

  constructor(
    private readonly customers: CustomerRepository,
    private readonly store: SegmentationStore,
    private readonly sets: PersonaSetRepository,
  ) {}

  async find(query: { id?: string; email?: string; crmId?: string; connectionId?: string }): Promise<Customer[]> {
    if (query.id) {
      const c = await this.customers.findById(query.id);
      return c ? [c] : [];
    }
    if (query.email) return this.customers.findByEmail(query.email);
    if (query.crmId) return this.customers.findByExternalId(query.crmId, query.connectionId);
    throw new ValidationError('Say which customer: id, email or crmId', [
      { field: 'email', message: 'one of id, email or crmId is required', code: 'LOOKUP_KEY_REQUIRED' },
    ]);
  }

  async view(id: string): Promise<CustomerView> {
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
      const set = await this.setFor(assignment.setVersion);
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

  private async setFor(version: number): Promise<LoadedPersonaSet> {
    let set = this.compiled.get(version);
    if (!set) {
      const stored = await this.sets.get(version);
      if (!stored) throw new NotFoundError('Persona set', String(version), 'SET_NOT_FOUND');
      set = compileSetSnapshot(stored.members, stored.catalog, stored.timeZone);
      this.compiled.set(version, set);
      for (const old of [...this.compiled.keys()].sort((a, b) => a - b).slice(0, -4)) this.compiled.delete(old);
    }
    return set;
  }
}
