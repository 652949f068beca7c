import { consentRefusal, customerTimeZone } from './contact-policies';
import type { ConsentRule } from './strategy';

const rules: ConsentRule[] = [
  { channel: 'email', attribute: 'email_opt_out' },
  { channel: 'phone', attribute: 'do_not_call', refusedWhen: true },
  { channel: 'sms', attribute: 'sms_consent', refusedWhen: 'no' },
];

describe('consent', () => {
  it('refuses a channel when its attribute holds the refusing value, typed or as CRM text', () => {
    expect(consentRefusal(rules, 'email', { email_opt_out: true })).toBe(rules[0]);
    expect(consentRefusal(rules, 'email', { email_opt_out: 'true' })).toBe(rules[0]);
    expect(consentRefusal(rules, 'email', { email_opt_out: false })).toBeNull();
    expect(consentRefusal(rules, 'email', {})).toBeNull();
    expect(consentRefusal(rules, 'phone', { email_opt_out: true, do_not_call: '1' })).toBe(rules[1]);
    expect(consentRefusal(rules, 'sms', { sms_consent: 'NO' })).toBe(rules[2]);
    expect(consentRefusal(rules, 'sms', { sms_consent: 'yes' })).toBeNull();
    expect(consentRefusal(rules, 'web', { email_opt_out: true })).toBeNull();
  });
});

describe('customer time zone', () => {
  const policies = { timeZoneAttribute: 'time_zone', defaultTimeZone: 'Europe/Paris' };
  it('is the catalog attribute when it is a valid IANA zone, else the default', () => {
    expect(customerTimeZone(policies, { time_zone: 'America/Chicago' })).toBe('America/Chicago');
    expect(customerTimeZone(policies, { time_zone: 'Mars/Olympus' })).toBe('Europe/Paris');
    expect(customerTimeZone(policies, {})).toBe('Europe/Paris');
  });
});
