import { Rng } from '../core/prng';
import { Timeline } from '../core/timeline';
import {
  FIRST_NAMES,
  FREE_MAIL_DOMAINS,
  INDUSTRIES,
  JOB_TITLES,
  LAST_NAMES,
  FIRST_NAME_SLUGS,
  LAST_NAME_SLUGS,
  companyDomain,
  companyName,
  isoDate,
  pickCountry,
} from '../core/vocabulary';
import { LEAD_STATUSES, LOYALTY_TIERS, NUMEMPLOYEES_RANGES } from './hubspot-properties';

export interface HubSpotGeneratorOptions {
  seed: number;
  count: number;
  startMs: number;
  endMs: number;
  firstId: number;
  numemployeesFormat: 'number' | 'range';
  blockSize?: number;
  bulkRate?: number;
  burstRate?: number;
}

export type HubSpotProps = Record<string, string | null>;

const LIFECYCLE_WEIGHTS: readonly (readonly [string, number])[] = [
  ['subscriber', 15],
  ['lead', 30],
  ['marketingqualifiedlead', 15],
  ['salesqualifiedlead', 10],
  ['opportunity', 8],
  ['customer', 17],
  ['evangelist', 2],
  ['other', 3],
];

const DAY = 86_400_000;

/**
 * Deterministic contacts: record i depends only on (seed, i), so any page of a million-record
 * portal is produced on demand. Company-level attributes come from a company index so colleagues
 * agree on industry, revenue and size.
 */
export class HubSpotContactGenerator {
  readonly timeline: Timeline;
  private readonly companies: number;

  constructor(private readonly options: HubSpotGeneratorOptions) {
    this.timeline = new Timeline({
      seed: options.seed,
      count: options.count,
      startMs: options.startMs,
      endMs: options.endMs,
      blockSize: options.blockSize,
      bulkRate: options.bulkRate,
      burstRate: options.burstRate,
      precisionMs: 1,
    });
    this.companies = Math.max(5, Math.ceil(options.count / 6));
  }

  get count(): number {
    return this.options.count;
  }

  modstamp(index: number): number {
    return this.timeline.at(index);
  }

  idOf(index: number): string {
    return String(this.options.firstId + index);
  }

  /** Email encodes the index (digits before '@') so lookups by email need no index. */
  indexFromEmail(email: string): number | undefined {
    const match = /(\d+)@/.exec(email);
    if (!match) return undefined;
    const index = Number(match[1]);
    return Number.isSafeInteger(index) && index < this.options.count ? index : undefined;
  }

  createdAt(index: number, modified = this.modstamp(index)): number {
    const rng = new Rng(this.options.seed, index, 0xc0);
    return modified - Math.floor(rng.float() * rng.float() * 420 * DAY);
  }

  /** `modified` may be passed when the caller already has it: the timeline is the costly part. */
  generate(index: number, modified = this.modstamp(index)): HubSpotProps {
    const seed = this.options.seed;
    const rng = new Rng(seed, index, 0x11);
    const created = this.createdAt(index, modified);

    const firstIndex = rng.int(FIRST_NAMES.length);
    const lastIndex = rng.int(LAST_NAMES.length);
    const first = rng.chance(0.02) ? null : (FIRST_NAMES[firstIndex] as string);
    const last = rng.chance(0.01) ? null : (LAST_NAMES[lastIndex] as string);
    const companyIndex = Math.floor(rng.float() * this.companies);
    const company = new Rng(seed, companyIndex, 0xc1);
    const hasCompany = !rng.chance(0.05);
    const freeMail = !hasCompany || rng.chance(0.25);
    const domain = freeMail ? rng.pick(FREE_MAIL_DOMAINS) : companyDomain(companyIndex);
    const local = `${first ? FIRST_NAME_SLUGS[firstIndex] : 'contact'}.${last ? LAST_NAME_SLUGS[lastIndex] : 'x'}${index}`;
    const email = rng.chance(0.03) ? null : `${local}@${domain}`;

    const { country, city } = pickCountry(rng, 0.12);
    const industryEntry = company.pick(INDUSTRIES);
    const industry = rng.chance(0.1) ? null : rng.chance(0.1) ? rng.pick(industryEntry[1]) : industryEntry[0];
    const revenue = Math.round(company.logNormal(5_000_000, 1.8) / 1000) * 1000;
    const employees = Math.max(1, Math.round(company.logNormal(120, 1.6)));

    const lifecycle = rng.chance(0.02) ? null : rng.weighted(LIFECYCLE_WEIGHTS);
    const isCustomer = lifecycle === 'customer' || lifecycle === 'evangelist';
    const orders = isCustomer ? 1 + Math.floor(rng.float() ** 2 * 60) : rng.chance(0.05) ? 1 : 0;
    const avgOrder = rng.logNormal(80, 0.9);
    const totalRevenue = orders > 0 ? (orders * avgOrder).toFixed(2) : '0';
    const lastPurchase =
      orders > 0 ? isoDate(Math.floor((created + rng.float() * Math.max(0, modified - created)) / DAY) * DAY) : null;

    let title: string | null = rng.chance(0.1) ? null : rng.pick(JOB_TITLES);
    if (title && rng.chance(0.04)) title = rng.chance(0.5) ? title.toUpperCase() : title.toLowerCase();

    const loyalty = isCustomer
      ? rng.weighted([
          ['bronze', 45],
          ['silver', 30],
          ['gold', 18],
          ['platinum', 7],
        ] as const)
      : rng.chance(0.3)
        ? rng.pick(LOYALTY_TIERS)
        : null;

    return {
      email,
      firstname: first,
      lastname: last,
      company: hasCompany ? companyName(companyIndex) : null,
      jobtitle: title,
      lifecyclestage: lifecycle,
      hs_lead_status: rng.chance(0.35) ? null : rng.pick(LEAD_STATUSES),
      country: rng.chance(0.06) ? null : country,
      city: rng.chance(0.08) ? null : city,
      industry,
      annualrevenue: rng.chance(0.2) ? null : String(revenue),
      numemployees: rng.chance(0.15) ? null : this.formatEmployees(employees),
      total_revenue: rng.chance(0.1) ? null : totalRevenue,
      num_orders: String(orders),
      last_purchase_date: lastPurchase,
      createdate: new Date(created).toISOString(),
      lastmodifieddate: new Date(modified).toISOString(),
      hs_object_id: this.idOf(index),
      hs_persona: rng.chance(0.85) ? null : rng.pick(['persona_1', 'persona_2', 'persona_3']),
      hs_email_optout: rng.chance(0.08) ? 'true' : rng.chance(0.65) ? 'false' : null,
      hs_merged_object_ids: null,
      hs_additional_emails: null,
      loyalty_tier: loyalty,
      nps_score: rng.chance(0.6) ? null : String(Math.min(10, Math.max(0, Math.round(7 + 2.5 * (rng.float() + rng.float() - 1) * 2)))),
    };
  }

  private formatEmployees(employees: number): string {
    if (this.options.numemployeesFormat === 'number') return String(employees);
    const bounds = [5, 25, 50, 100, 500, 1000];
    const slot = bounds.findIndex((b) => employees <= b);
    return NUMEMPLOYEES_RANGES[slot === -1 ? NUMEMPLOYEES_RANGES.length - 1 : slot] as string;
  }
}
