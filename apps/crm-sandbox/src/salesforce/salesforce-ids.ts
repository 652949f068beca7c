/**
 * Salesforce record ids: 3-character key prefix, pod/reserved characters, a base-62 serial, and the
 * 3-character case-safety suffix of 18-character ids. The serial alphabet is in ASCII order, so
 * ORDER BY Id and the record's index order agree.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const SERIAL_LENGTH = 9;
const POD = '5g0';

export const KEY_PREFIXES = {
  Account: '001',
  Contact: '003',
  Lead: '00Q',
  User: '005',
  Task: '00T',
  Organization: '00D',
  QueryLocator: '01g',
} as const;

function base62(value: number, width: number): string {
  let n = Math.floor(value);
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function checksumSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) flags |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[flags];
  }
  return suffix;
}

/** 18-character id for serial n (n >= 0) under a key prefix. */
export function makeId(prefix: string, serial: number): string {
  const id15 = `${prefix}${POD}${base62(serial + 1, SERIAL_LENGTH)}`;
  return id15 + checksumSuffix(id15);
}

export interface ParsedId {
  prefix: string;
  serial: number;
  id18: string;
}

/** Accepts 15- and 18-character ids; undefined when the text cannot be an id of this sandbox. */
export function parseId(text: string): ParsedId | undefined {
  if (text.length !== 15 && text.length !== 18) return undefined;
  const id15 = text.slice(0, 15);
  if (!/^[0-9A-Za-z]{15}$/.test(id15)) return undefined;
  if (text.length === 18 && text.slice(15).toUpperCase() !== checksumSuffix(id15)) return undefined;
  if (id15.slice(3, 6) !== POD) return undefined;
  let value = 0;
  for (const char of id15.slice(6)) value = value * 62 + ALPHABET.indexOf(char);
  if (value < 1) return undefined;
  return { prefix: id15.slice(0, 3), serial: value - 1, id18: id15 + checksumSuffix(id15) };
}

/** Looks like a Salesforce id at all (for MALFORMED_ID versus NOT_FOUND). */
export function isWellFormedId(text: string): boolean {
  return /^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$/.test(text);
}
