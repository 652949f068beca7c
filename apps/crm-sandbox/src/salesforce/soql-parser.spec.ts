import { parseSoql, SoqlError } from './soql-parser';

function errorOf(soql: string): SoqlError {
  try {
    parseSoql(soql);
  } catch (error) {
    if (error instanceof SoqlError) return error;
    throw error;
  }
  throw new Error(`expected ${soql} to fail`);
}

describe('SOQL parser (the subset Corridor sends)', () => {
  it('parses the incremental sync query with relationship fields, ranges, ORDER BY and LIMIT', () => {
    const query = parseSoql(
      'SELECT Id, Email, FirstName, Account.Industry, account.annualrevenue, Account.NumberOfEmployees, SystemModstamp ' +
        'FROM Contact WHERE SystemModstamp >= 2026-01-01T00:00:00Z AND SystemModstamp < 2026-02-01T00:00:00.000+00:00 ' +
        'ORDER BY SystemModstamp, Id LIMIT 500',
    );
    expect(query.object.name).toBe('Contact');
    expect(query.fields.map((f) => f.path)).toEqual([
      'Id',
      'Email',
      'FirstName',
      'Account.Industry',
      'Account.AnnualRevenue',
      'Account.NumberOfEmployees',
      'SystemModstamp',
    ]);
    expect(query.where).toMatchObject({
      kind: 'and',
      items: [
        { kind: 'compare', op: '>=', value: { kind: 'datetime', ms: Date.parse('2026-01-01T00:00:00Z') } },
        { kind: 'compare', op: '<', value: { kind: 'datetime', ms: Date.parse('2026-02-01T00:00:00Z') } },
      ],
    });
    expect(query.orderBy.map((o) => [o.field.path, o.descending])).toEqual([
      ['SystemModstamp', false],
      ['Id', false],
    ]);
    expect(query.limit).toBe(500);
  });

  it('accepts IsDeleted, IN, LIKE, NOT, date literals and parenthesised AND/OR', () => {
    const query = parseSoql(
      "select Id from Lead where IsDeleted = true and (Status = 'Open - Not Contacted' or Status IN ('Working - Contacted')) " +
        "and Email like '%@example.com' and not IsConverted = true and CreatedDate = LAST_N_DAYS:30 and ConvertedDate = null",
    );
    expect(query.object.name).toBe('Lead');
    expect(query.where).toMatchObject({ kind: 'and' });
    expect(parseSoql('SELECT COUNT() FROM Contact').count).toBe(true);
    expect(parseSoql("SELECT Id FROM Contact WHERE Id > '0035g000000009BAAQ' AND SystemModstamp = 2026-01-01T00:00:00Z").where).toBeDefined();
  });

  it('refuses a quoted datetime: INVALID_QUERY_FILTER_OPERATOR', () => {
    const error = errorOf("SELECT Id FROM Contact WHERE SystemModstamp >= '2026-01-01T00:00:00Z'");
    expect(error.errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    expect(error.message).toContain("must be of type dateTime and should not be enclosed in quotes");
    expect(error.message).toMatch(/ERROR at Row:1:Column:\d+/);
  });

  it('refuses other literal type mismatches', () => {
    expect(errorOf("SELECT Id FROM Contact WHERE HasOptedOutOfEmail = 'true'").errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    expect(errorOf('SELECT Id FROM Contact WHERE Email = 5').errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    expect(errorOf("SELECT Id FROM Lead WHERE AnnualRevenue > '5'").errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    expect(errorOf("SELECT Id FROM Contact WHERE Id = 'nope'").errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    expect(errorOf('SELECT Id FROM Contact WHERE SystemModstamp > 2026-01-01').errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
  });

  it('reports unknown fields, relationships and objects', () => {
    const unknown = errorOf('SELECT Id, Nope__c FROM Contact');
    expect(unknown.errorCode).toBe('INVALID_FIELD');
    expect(unknown.message).toContain("No such column 'Nope__c' on entity 'Contact'");
    expect(errorOf('SELECT Account.Nope FROM Contact').errorCode).toBe('INVALID_FIELD');
    expect(errorOf('SELECT Owner.Name FROM Contact').message).toContain("Didn't understand relationship 'Owner'");
    expect(errorOf('SELECT Id FROM Contact WHERE Nope = 1').errorCode).toBe('INVALID_FIELD');
    expect(errorOf('SELECT Id FROM Contactz').errorCode).toBe('INVALID_TYPE');
  });

  it('refuses AND and OR mixed without parentheses: MALFORMED_QUERY', () => {
    const error = errorOf("SELECT Id FROM Contact WHERE Email = 'a@b.co' AND FirstName = 'A' OR LastName = 'B'");
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toContain('unexpected token: OR');
  });

  it('reports syntax errors as MALFORMED_QUERY', () => {
    for (const soql of ['SELECT FROM Contact', 'SELECT Id Contact', "SELECT Id FROM Contact WHERE Email = 'x", 'SELECT Id FROM Contact LIMIT x', 'SELECT Id FROM Contact ORDER Id']) {
      expect(errorOf(soql).errorCode).toBe('MALFORMED_QUERY');
    }
    expect(errorOf('SELECT Id FROM Contact OFFSET 2001').errorCode).toBe('NUMBER_OUTSIDE_VALID_RANGE');
    expect(errorOf('SELECT FIELDS(ALL) FROM Contact').errorCode).toBe('MALFORMED_QUERY');
    expect(parseSoql('SELECT FIELDS(ALL) FROM Contact LIMIT 200').fields.length).toBeGreaterThan(10);
  });
});
