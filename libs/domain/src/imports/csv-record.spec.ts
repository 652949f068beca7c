import { csvHeaderProblems, csvRecordToRow } from './csv-record';
import { ImportReportBuilder, MAX_REPORTED_IMPORT_ERRORS } from './import-report';

describe('CSV records', () => {
  it('needs an id column and distinct, named columns', () => {
    expect(csvHeaderProblems(['id', 'email'])).toEqual([]);
    expect(csvHeaderProblems(['external_id'])).toEqual([]);
    expect(csvHeaderProblems(['email', '', 'email']).map((p) => p.code)).toEqual([
      'CSV_ID_COLUMN_MISSING',
      'CSV_COLUMN_UNNAMED',
      'CSV_COLUMN_DUPLICATE',
    ]);
  });

  it('maps cells by header, empty cells to null', () => {
    expect(csvRecordToRow(4, ['id', 'email', 'city'], ['c1', '', 'Oslo'])).toEqual({ line: 4, value: { id: 'c1', email: null, city: 'Oslo' } });
  });
});

describe('ImportReportBuilder', () => {
  it('counts everything but keeps only the first 100 errors', () => {
    const report = new ImportReportBuilder();
    for (let i = 1; i <= 150; i++) {
      report.received();
      report.rejected([{ line: i, field: 'id', message: 'id is required' }]);
    }
    report.received();
    report.stored({ created: 1, updated: 0, unchanged: 0 }, 152);
    const built = report.build();
    expect(built).toMatchObject({ received: 151, created: 1, rejected: 150 });
    expect(built.errors).toHaveLength(MAX_REPORTED_IMPORT_ERRORS);
    expect(built.errors[99].line).toBe(100);
  });
});

describe('CSV columns named like Object.prototype members', () => {
  it('keeps a __proto__ column as a column', () => {
    const row = csvRecordToRow(2, ['id', '__proto__', 'constructor'], ['c-1', '', 'x']);
    expect(Object.getPrototypeOf(row.value)).toBe(Object.prototype);
    expect(Object.entries(row.value as Record<string, unknown>)).toEqual([
      ['id', 'c-1'],
      ['__proto__', null],
      ['constructor', 'x'],
    ]);
  });
});
