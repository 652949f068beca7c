import { parseSalesforceChanges, sharedSecretMatches } from './salesforce-change-relay';

describe('Salesforce change relay', () => {
  it('compares the shared secret', () => {
    expect(sharedSecretMatches('s3cret', 's3cret')).toBe(true);
    expect(sharedSecretMatches('s3cret!', 's3cret')).toBe(false);
    expect(sharedSecretMatches(undefined, 's3cret')).toBe(false);
  });
  it('parses changes with stable derived ids', () => {
    const body = { changes: [{ changeType: 'UPDATE', entityName: 'Contact', recordIds: ['003000000000001AAA'], commitTimestamp: 1700000000000 }, { changeType: 'DELETE', entityName: 'Lead', recordIds: ['00Q000000000001AAA'] }, { changeType: 'UPDATE', entityName: 'Account', recordIds: ['001000000000001AAA'] }] };
    const a = parseSalesforceChanges(body);
    expect(a.map((e) => e.kind)).toEqual(['upsert', 'delete']);
    expect(parseSalesforceChanges(body)[0].eventId).toBe(a[0].eventId);
  });
  it("drops updates that only touched Corridor's write-back fields (and the stamps a write bumps)", () => {
    const change = (changedFields?: string[]) => ({ changeType: 'UPDATE', entityName: 'Contact', recordIds: ['003000000000001AAA'], commitTimestamp: 1, changedFields });
    const body = {
      changes: [
        change(['Corridor_Persona__c', 'Corridor_Strategy__c', 'LastModifiedDate']),
        change(['Corridor_Persona__c', 'Title']),
        change([]),
        change(undefined),
      ],
    };
    expect(parseSalesforceChanges(body)).toHaveLength(3);
  });
});
