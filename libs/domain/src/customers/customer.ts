import { Attributes } from '../attributes/attribute';

export type CrmObject = 'contact' | 'lead';

/** A customer record as it arrives from a CRM or an import, before it is stored. */
export interface IncomingCustomer {
  externalId: string;
  crmObject?: CrmObject;
  attributes: Attributes;
  /** The CRM's modification stamp of this version (epoch ms), when it has one: older versions never overwrite newer. */
  crmModifiedAt?: number;
  /**
   * The CRM's current values of Corridor's write-back fields (CRM field → value), when the read asked
   * for them: not customer data, kept so write-back skips a record that already carries them.
   */
  writebackValues?: Record<string, string | null>;
}

export interface Customer {
  id: string;
  connectionId: string;
  crmObject: CrmObject;
  externalId: string;
  email: string | null;
  attributes: Attributes;
  deleted: boolean;
  mergedIntoId: string | null;
  createdAt: Date;
  updatedAt: Date;
  dataChangedAt: Date;
}

export interface UpsertOutcome {
  created: number;
  updated: number;
  unchanged: number;
  /** Customers whose attributes changed (created or updated): the ones to re-segment. */
  changedIds: string[];
  createdIds: string[];
}
