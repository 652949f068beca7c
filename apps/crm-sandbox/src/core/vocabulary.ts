import type { Rng } from './prng';

/** Shared word lists for both generators, so HubSpot and Salesforce data look alike. */

export const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Daniel', 'Lisa', 'Matthew', 'Nancy', 'Anthony', 'Sandra', 'Mark', 'Ashley', 'Priya', 'Wei',
  'Amara', 'Lukas', 'Sofia', 'Mateo', 'Yuki', 'Aisha', 'Noah', 'Emma', 'Olivia', 'Liam',
  'Chloé', 'Jürgen', 'Siobhan', 'Raj', 'Fatima', 'Kenji', 'Ingrid', 'Diego', 'Zanele', 'Anouk',
] as const;

export const FIRST_NAME_SLUGS: readonly string[] = FIRST_NAMES.map((name) => asciiSlug(name));

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Müller', 'Schmidt', 'Dubois', 'Rossi', 'Tanaka', 'Patel', 'Kim', 'Nguyen', 'Okafor', 'Silva',
  "O'Brien", 'van der Berg', 'Kowalski', 'Johansson', 'Novak', 'Haddad', 'Chen', 'Singh', 'Ivanova', 'Dlamini',
] as const;

export const LAST_NAME_SLUGS: readonly string[] = LAST_NAMES.map((name) => asciiSlug(name) || 'x');

const COMPANY_STEMS = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Wonka', 'Tyrell',
  'Cyberdyne', 'Soylent', 'Massive', 'Aperture', 'Black Mesa', 'Oscorp', 'Gringotts', 'Monarch', 'Pied Piper', 'Dunder',
  'Northwind', 'Contoso', 'Fabrikam', 'Tailspin', 'Litware', 'Adatum', 'Proseware', 'Lucerne', 'Blue Yonder', 'Coho',
  'Alpine', 'Harbor', 'Summit', 'Evergreen', 'Riverstone', 'Ironclad', 'Brightline', 'Copperleaf', 'Lighthouse', 'Meridian',
] as const;

const COMPANY_SUFFIXES = ['Inc', 'LLC', 'GmbH', 'Ltd', 'Corp', 'Group', 'Labs', 'Systems', 'Partners', 'Co'] as const;

const STEM_SLUGS = COMPANY_STEMS.map((stem) => stem.toLowerCase().replace(/[^a-z]+/g, '-'));
const SUFFIX_SLUGS = COMPANY_SUFFIXES.map((suffix) => suffix.toLowerCase());

export function companyName(index: number): string {
  const stem = COMPANY_STEMS[index % COMPANY_STEMS.length] as string;
  const suffix = COMPANY_SUFFIXES[Math.floor(index / COMPANY_STEMS.length) % COMPANY_SUFFIXES.length] as string;
  const round = Math.floor(index / (COMPANY_STEMS.length * COMPANY_SUFFIXES.length));
  return round === 0 ? `${stem} ${suffix}` : `${stem} ${suffix} ${round + 1}`;
}

/** Precomputed slugs: this runs once per generated record, so no regex work here. */
export function companyDomain(index: number): string {
  const stem = STEM_SLUGS[index % STEM_SLUGS.length] as string;
  const suffix = SUFFIX_SLUGS[Math.floor(index / STEM_SLUGS.length) % SUFFIX_SLUGS.length] as string;
  const round = Math.floor(index / (STEM_SLUGS.length * SUFFIX_SLUGS.length));
  return round === 0 ? `${stem}-${suffix}.example.com` : `${stem}-${suffix}-${round + 1}.example.com`;
}

export const FREE_MAIL_DOMAINS = ['gmail.example', 'outlook.example', 'yahoo.example', 'proton.example'] as const;

/** Country, weight, loose spellings seen in hand-entered data, cities. */
export const COUNTRIES: readonly (readonly [string, number, readonly string[], readonly string[]])[] = [
  ['United States', 35, ['USA', 'US', 'united states', 'U.S.'], ['New York', 'San Francisco', 'Austin', 'Chicago', 'Boston', 'Seattle', 'Denver']],
  ['United Kingdom', 10, ['UK', 'England', 'Great Britain'], ['London', 'Manchester', 'Edinburgh', 'Bristol']],
  ['Germany', 8, ['Deutschland', 'DE'], ['Berlin', 'Munich', 'Hamburg', 'Frankfurt']],
  ['France', 6, ['france'], ['Paris', 'Lyon', 'Marseille']],
  ['Canada', 6, ['CA'], ['Toronto', 'Vancouver', 'Montreal']],
  ['India', 6, ['IN'], ['Bengaluru', 'Mumbai', 'Delhi', 'Pune']],
  ['Australia', 4, ['AU'], ['Sydney', 'Melbourne', 'Brisbane']],
  ['Brazil', 4, ['Brasil'], ['São Paulo', 'Rio de Janeiro']],
  ['Netherlands', 3, ['Holland', 'NL'], ['Amsterdam', 'Rotterdam', 'Utrecht']],
  ['Spain', 3, ['España'], ['Madrid', 'Barcelona', 'Valencia']],
  ['Japan', 3, ['JP'], ['Tokyo', 'Osaka']],
  ['Mexico', 2, ['México'], ['Mexico City', 'Guadalajara']],
  ['Sweden', 2, ['SE'], ['Stockholm', 'Gothenburg']],
  ['Singapore', 2, ['SG'], ['Singapore']],
  ['Ireland', 2, ['IE'], ['Dublin', 'Cork']],
  ['South Africa', 1, ['ZA'], ['Cape Town', 'Johannesburg']],
];

export function pickCountry(rng: Rng, looseRate: number): { country: string; city: string } {
  const entry = rng.weighted(COUNTRIES.map((c) => [c, c[1]] as const));
  const [canonical, , loose, cities] = entry;
  const country = loose.length > 0 && rng.chance(looseRate) ? rng.pick(loose) : canonical;
  return { country, city: rng.pick(cities) };
}

/** Industry as a free-text value, with the spelling drift real CRMs accumulate. */
export const INDUSTRIES: readonly (readonly [string, readonly string[]])[] = [
  ['Software', ['software', 'SaaS', 'Computer Software']],
  ['Financial Services', ['Finance', 'Fin Services', 'Banking']],
  ['Retail', ['retail', 'E-commerce']],
  ['Healthcare', ['Health Care', 'healthcare']],
  ['Manufacturing', ['manufacturing', 'Industrial']],
  ['Education', ['education', 'EdTech']],
  ['Media', ['Media & Entertainment']],
  ['Hospitality', ['Hotels']],
  ['Logistics', ['Transportation', 'Shipping']],
  ['Real Estate', ['real estate']],
  ['Telecommunications', ['Telecom']],
  ['Energy', ['Utilities']],
  ['Nonprofit', ['Non-Profit', 'NGO']],
  ['Consulting', ['consulting', 'Professional Services']],
];

/** Salesforce's standard Industry picklist values. */
export const SALESFORCE_INDUSTRIES = [
  'Agriculture', 'Apparel', 'Banking', 'Biotechnology', 'Chemicals', 'Communications', 'Construction',
  'Consulting', 'Education', 'Electronics', 'Energy', 'Engineering', 'Entertainment', 'Environmental',
  'Finance', 'Food & Beverage', 'Government', 'Healthcare', 'Hospitality', 'Insurance', 'Machinery',
  'Manufacturing', 'Media', 'Not For Profit', 'Other', 'Recreation', 'Retail', 'Shipping', 'Technology',
  'Telecommunications', 'Transportation', 'Utilities',
] as const;

export const JOB_TITLES = [
  'CEO', 'CTO', 'CFO', 'VP of Sales', 'VP Marketing', 'Head of Operations', 'Director of Engineering',
  'Marketing Manager', 'Sales Manager', 'Account Executive', 'Software Engineer', 'Product Manager',
  'Data Analyst', 'Customer Success Manager', 'Office Manager', 'Procurement Lead', 'Founder', 'Consultant',
  'Student', 'Teacher', 'Nurse', 'Designer', 'HR Generalist', 'Buyer',
] as const;

export const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'] as const;

export function asciiSlug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
