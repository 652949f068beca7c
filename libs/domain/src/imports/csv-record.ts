import { ErrorDetail } from '../errors/domain-error';
import { RawImportRow } from './import-row';
import { unstorableTextProblem } from './import-text';

/**
 * Problems with a CSV header: it names the columns (attribute names plus `id` or `external_id`),
 * so a missing id column, a blank name or a repeated one makes the whole file unreadable.
 */
export function csvHeaderProblems(header: readonly string[]): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (!header.includes('id') && !header.includes('external_id')) {
    problems.push({ field: 'id', message: 'the CSV header needs an id (or external_id) column', code: 'CSV_ID_COLUMN_MISSING' });
  }
  const seen = new Set<string>();
  header.forEach((name, i) => {
    const textProblem = unstorableTextProblem(name);
    if (textProblem) problems.push({ field: `header[${i}]`, message: `the name of column ${i + 1} ${textProblem}`, code: 'CSV_COLUMN_NAME_INVALID' });
    else if (name.trim() === '') problems.push({ field: `header[${i}]`, message: `column ${i + 1} has no name`, code: 'CSV_COLUMN_UNNAMED' });
    else if (seen.has(name)) problems.push({ field: name, message: `column ${JSON.stringify(name)} appears twice`, code: 'CSV_COLUMN_DUPLICATE' });
    seen.add(name);
  });
  return problems;
}

/**
 * A CSV record as a row object keyed by the header. CSV cannot tell an empty string from a
 * missing value, so an empty cell means "no value" (null), the same as a JSON null: a merging
 * import clears that attribute, while a column the file does not have leaves it alone.
 */
export function csvRecordToRow(line: number, header: readonly string[], values: readonly string[]): RawImportRow {
  // fromEntries defines own properties: a `__proto__` column stays a column (reported as unknown).
  const value: Record<string, string | null> = Object.fromEntries(
    header.map((name, i) => {
      const cell = values[i];
      return [name, cell === undefined || cell === '' ? null : cell];
    }),
  );
  return { line, value };
}
