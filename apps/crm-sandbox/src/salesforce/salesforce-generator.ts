import { Rng } from '../core/prng';
import { Timeline } from '../core/timeline';
import {
  FIRST_NAMES,
  FREE_MAIL_DOMAINS,
  JOB_TITLES,
  LAST_NAMES,
  LEAD_SOURCES,
  SALESFORCE_INDUSTRIES,
  FIRST_NAME_SLUGS,
  LAST_NAME_SLUGS,
  companyDomain,
  companyName,
  isoDate,
  pickCountry,
} from '../core/vocabulary';
import { KEY_PREFIXES, makeId } from './salesforce-ids';
import { LEAD_STATUSES, LOYALTY_TIERS } from './salesforce-schema';

/** Field values as stored: datetimes as epoch ms (second precision), dates as YYYY-MM-DD. */
export type SfValue = string | number | boolean | null;
export type SfFields = Record<string, SfValue>;

export interface SalesforceGeneratorOptions {
  seed: number;
  contacts: number;
  leads: number;
  accounts?: number;
  startMs: number;
  endMs: number;
  username: string;
  blockSize?: number;
  bulkRate?: number;
  burstRate?: number;
}

const DAY = 86_400_000;
/** Base records may have SystemModstamp up to this far after LastModifiedDate (automation touches). */
export const MAX_AUTOMATION_LAG_MS = 3_600_000;

export const INTEGRATION_USER_INDEX = 0;
export const AUTOMATION_USER_INDEX = 5;

const USERS: readonly [string, string][] = [
  ['Corridor Integration', ''],
  ['Dana Whitfield', 'dana.whitfield@corridor.sandbox'],
  ['Marco Esposito', 'marco.esposito@corridor.sandbox'],
  ['Ines Carvalho', 'ines.carvalho@corridor.sandbox'],
  ['Tomás Lindqvist', 'tomas.lindqvist@corridor.sandbox'],
  ['Automated Process', 'autoproc@corridor.sandbox'],
];

function seconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Deterministic Contacts, Leads, Accounts and Users. Contacts and Leads each have their own
 * timeline so SystemModstamp is monotonic in the record index, with many records per second.
 */
export class SalesforceGenerator {
  readonly contactTimeline: Timeline;
  readonly leadTimeline: Timeline;
  readonly accountCount: number;
  readonly users: SfFields[];

  constructor(private readonly options: SalesforceGeneratorOptions) {
    const common = {
      startMs: options.startMs,
      endMs: options.endMs,
      blockSize: options.blockSize,
      bulkRate: options.bulkRate,
      burstRate: options.burstRate,
      precisionMs: 1000,
    };
    this.contactTimeline = new Timeline({ ...common, seed: options.seed ^ 0x3, count: options.contacts });
    this.leadTimeline = new Timeline({ ...common, seed: options.seed ^ 0x51, count: options.leads });
    this.accountCount = Math.max(1, options.accounts ?? Math.ceil(options.contacts / 8));
    this.users = USERS.map(([name, email], index) => ({
      Id: makeId(KEY_PREFIXES.User, index),
      Name: name,
      Username: index === INTEGRATION_USER_INDEX ? options.username : email,
      Email: index === INTEGRATION_USER_INDEX ? options.username : email,
      IsActive: true,
    }));
  }

  get contacts(): number {
    return this.options.contacts;
  }

  get leads(): number {
    return this.options.leads;
  }

  userId(index: number): string {
    return this.users[index]?.Id as string;
  }

  userById(id: string): SfFields | undefined {
    return this.users.find((u) => u.Id === id);
  }

  accountId(index: number): string {
    return makeId(KEY_PREFIXES.Account, index);
  }

  /** Admin changes to accounts, over the generated values (Accounts are read-only to the API). */
  readonly accountChanges = new Map<number, SfFields>();

  account(index: number): SfFields {
    const generated = this.generatedAccount(index);
    const changes = this.accountChanges.get(index);
    return changes ? { ...generated, ...changes } : generated;
  }

  private generatedAccount(index: number): SfFields {
    const rng = new Rng(this.options.seed, index, 0xac);
    const created = seconds(this.options.startMs - Math.floor(rng.float() * 900) * DAY);
    const { country } = pickCountry(rng, 0);
    return {
      Id: this.accountId(index),
      IsDeleted: false,
      Name: companyName(index),
      Industry: rng.chance(0.05) ? null : rng.pick(SALESFORCE_INDUSTRIES),
      AnnualRevenue: rng.chance(0.15) ? null : Math.round(rng.logNormal(8_000_000, 1.7) / 1000) * 1000,
      NumberOfEmployees: rng.chance(0.1) ? null : Math.max(1, Math.round(rng.logNormal(150, 1.6))),
      BillingCountry: country,
      CreatedDate: created,
      LastModifiedDate: created,
      SystemModstamp: created,
    };
  }

  contact(index: number): SfFields {
    const rng = new Rng(this.options.seed, index, 0x21);
    const modstamp = this.contactTimeline.at(index);
    const { modified, created, modifiedBy, createdBy } = this.audit(rng, modstamp);
    const { firstIndex, lastIndex, first, last } = personName(rng);
    const hasAccount = !rng.chance(0.08);
    const accountIndex = Math.floor(rng.float() * this.accountCount);
    const domain = hasAccount && !rng.chance(0.2) ? companyDomain(accountIndex) : rng.pick(FREE_MAIL_DOMAINS);
    const { country, city } = pickCountry(rng, 0.1);
    const email = rng.chance(0.04) ? null : `${first ? FIRST_NAME_SLUGS[firstIndex] : 'contact'}.${LAST_NAME_SLUGS[lastIndex]}${index}@${domain}`;
    return {
      Id: makeId(KEY_PREFIXES.Contact, index),
      IsDeleted: false,
      AccountId: hasAccount ? this.accountId(accountIndex) : null,
      LastName: last,
      FirstName: first,
      Name: first ? `${first} ${last}` : last,
      Title: rng.chance(0.12) ? null : rng.pick(JOB_TITLES),
      MailingCity: rng.chance(0.1) ? null : city,
      MailingCountry: rng.chance(0.07) ? null : country,
      Email: email,
      LeadSource: rng.chance(0.25) ? null : rng.pick(LEAD_SOURCES),
      HasOptedOutOfEmail: rng.chance(0.07),
      CreatedDate: created,
      CreatedById: createdBy,
      LastModifiedDate: modified,
      LastModifiedById: modifiedBy,
      SystemModstamp: modstamp,
      Corridor_Persona__c: null,
      Corridor_Strategy__c: null,
      Loyalty_Tier__c: rng.chance(0.45)
        ? null
        : rng.weighted([
            [LOYALTY_TIERS[0], 45],
            [LOYALTY_TIERS[1], 30],
            [LOYALTY_TIERS[2], 18],
            [LOYALTY_TIERS[3], 7],
          ] as const),
      NPS_Score__c: rng.chance(0.55) ? null : Math.min(10, Math.max(0, Math.round(7 + 5 * (rng.float() + rng.float() - 1)))),
    };
  }

  lead(index: number): SfFields {
    const rng = new Rng(this.options.seed, index, 0x31);
    const modstamp = this.leadTimeline.at(index);
    const { modified, created, modifiedBy, createdBy } = this.audit(rng, modstamp);
    const { firstIndex, lastIndex, first, last } = personName(rng);
    const companyIndex = Math.floor(rng.float() * Math.max(this.accountCount * 2, 10));
    const { country, city } = pickCountry(rng, 0.12);
    const converted = this.options.contacts > 0 && rng.chance(0.05);
    const contactIndex = Math.floor(rng.float() * Math.max(1, this.options.contacts));
    const convertedContact = converted ? this.contact(contactIndex) : undefined;
    return {
      Id: makeId(KEY_PREFIXES.Lead, index),
      IsDeleted: false,
      LastName: last,
      FirstName: first,
      Name: first ? `${first} ${last}` : last,
      Title: rng.chance(0.15) ? null : rng.pick(JOB_TITLES),
      Company: companyName(companyIndex),
      City: rng.chance(0.12) ? null : city,
      Country: rng.chance(0.08) ? null : country,
      Email: rng.chance(0.05)
        ? null
        : `${first ? FIRST_NAME_SLUGS[firstIndex] : 'lead'}.${LAST_NAME_SLUGS[lastIndex]}${index}@${companyDomain(companyIndex)}`,
      LeadSource: rng.chance(0.2) ? null : rng.pick(LEAD_SOURCES),
      Status: converted ? 'Closed - Converted' : rng.pick(LEAD_STATUSES.filter((s) => s !== 'Closed - Converted')),
      Industry: rng.chance(0.15) ? null : rng.pick(SALESFORCE_INDUSTRIES),
      AnnualRevenue: rng.chance(0.3) ? null : Math.round(rng.logNormal(3_000_000, 1.8) / 1000) * 1000,
      NumberOfEmployees: rng.chance(0.25) ? null : Math.max(1, Math.round(rng.logNormal(60, 1.5))),
      HasOptedOutOfEmail: rng.chance(0.05),
      IsConverted: converted,
      ConvertedDate: converted ? isoDate(modified) : null,
      ConvertedContactId: convertedContact ? (convertedContact.Id as string) : null,
      ConvertedAccountId: convertedContact ? convertedContact.AccountId : null,
      CreatedDate: created,
      CreatedById: createdBy,
      LastModifiedDate: modified,
      LastModifiedById: modifiedBy,
      SystemModstamp: modstamp,
      Corridor_Persona__c: null,
      Corridor_Strategy__c: null,
      Lead_Score__c: rng.chance(0.4) ? null : rng.range(0, 100),
    };
  }

  private audit(rng: Rng, modstamp: number): { modified: number; created: number; modifiedBy: string; createdBy: string } {
    const touchedByAutomation = rng.chance(0.12);
    const modified = touchedByAutomation ? seconds(modstamp - Math.floor(rng.float() * MAX_AUTOMATION_LAG_MS)) : modstamp;
    const created = seconds(modified - Math.floor(rng.float() * rng.float() * 400 * DAY));
    const human = this.userId(1 + rng.int(4));
    return { modified, created, modifiedBy: human, createdBy: this.userId(1 + rng.int(4)) };
  }
}

/** A person's name for a Contact or Lead (Salesforce requires LastName; FirstName may be empty). */
function personName(rng: Rng): { firstIndex: number; lastIndex: number; first: string | null; last: string } {
  const firstIndex = rng.int(FIRST_NAMES.length);
  const lastIndex = rng.int(LAST_NAMES.length);
  const first = rng.chance(0.03) ? null : (FIRST_NAMES[firstIndex] as string);
  return { firstIndex, lastIndex, first, last: LAST_NAMES[lastIndex] as string };
}
