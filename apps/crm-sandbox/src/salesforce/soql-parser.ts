import { isWellFormedId } from './salesforce-ids';
import { type SfField, type SfObjectSchema, SCHEMAS, type SfObjectName, schemaFor } from './salesforce-schema';

/** A Salesforce query error: errorCode as the REST API reports it, message with the row/column locator. */
export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR' | 'NUMBER_OUTSIDE_VALID_RANGE',
    message: string,
  ) {
    super(message);
  }
}

export interface FieldRef {
  /** Canonical path as returned in records, e.g. "Account.Industry". */
  path: string;
  field: SfField;
  relationship?: { name: string; via: SfField; target: SfObjectSchema };
}

export type SoqlLiteral =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'datetime'; ms: number; text: string }
  | { kind: 'date'; ms: number; text: string }
  | { kind: 'dateLiteral'; name: string; n: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; field: FieldRef; op: CompareOp; value: SoqlLiteral }
  | { kind: 'in'; field: FieldRef; values: SoqlLiteral[]; negate: boolean }
  | { kind: 'like'; field: FieldRef; pattern: string };

export interface OrderItem {
  field: FieldRef;
  descending: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  object: SfObjectSchema;
  count: boolean;
  fields: FieldRef[];
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
  /** FIELDS(ALL|STANDARD|CUSTOM) was used: Salesforce then requires LIMIT <= 200 for ALL/CUSTOM. */
  fieldsFunction?: 'ALL' | 'STANDARD' | 'CUSTOM';
}

type TokenKind = 'ident' | 'string' | 'number' | 'datetime' | 'date' | 'op' | '(' | ')' | ',' | ':' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
  value?: string | number;
}

const DATE_LITERALS_FIXED = new Set([
  'TODAY',
  'YESTERDAY',
  'TOMORROW',
  'THIS_WEEK',
  'LAST_WEEK',
  'THIS_MONTH',
  'LAST_MONTH',
  'THIS_YEAR',
  'LAST_YEAR',
]);
const DATE_LITERALS_N = new Set(['LAST_N_DAYS', 'NEXT_N_DAYS', 'LAST_N_HOURS', 'NEXT_N_HOURS', 'LAST_N_MONTHS']);
const KEYWORDS = new Set([
  'SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ORDER', 'BY', 'ASC', 'DESC', 'NULLS', 'FIRST',
  'LAST', 'LIMIT', 'OFFSET', 'TRUE', 'FALSE', 'NULL', 'INCLUDES', 'EXCLUDES', 'GROUP', 'HAVING', 'WITH', 'FOR',
]);

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![T\d])/;
const NUMBER_RE = /^-?\d+(\.\d+)?(?![\w-])/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/;

function locate(text: string, pos: number, message: string): string {
  const before = text.slice(0, pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = text.indexOf('\n', pos) === -1 ? text.length : text.indexOf('\n', pos);
  const column = pos - lineStart + 1;
  const line = text.slice(lineStart, lineEnd);
  return `\n${line}\n${' '.repeat(Math.max(0, column - 1))}^\nERROR at Row:${row}:Column:${column}\n${message}`;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const malformed = (pos: number, message: string): SoqlError => new SoqlError('MALFORMED_QUERY', locate(text, pos, message));
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    if (ch === "'") {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== "'") {
        if (text[j] === '\\') {
          const next = text[j + 1];
          if (next === undefined) break;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
          j += 2;
        } else {
          value += text[j];
          j++;
        }
      }
      if (j >= text.length) throw malformed(i, 'line 1:' + i + ' mismatched character \'<EOF>\' expecting \'\'\'');
      tokens.push({ kind: 'string', text: text.slice(i, j + 1), pos: i, value });
      i = j + 1;
      continue;
    }
    let m = DATETIME_RE.exec(rest);
    if (m) {
      const ms = Date.parse(normaliseOffset(m[0]));
      if (Number.isNaN(ms)) throw malformed(i, `line 1:${i} no viable alternative at character '${m[0]}'`);
      tokens.push({ kind: 'datetime', text: m[0], pos: i, value: ms });
      i += m[0].length;
      continue;
    }
    m = DATE_RE.exec(rest);
    if (m) {
      const ms = Date.parse(`${m[0]}T00:00:00.000Z`);
      if (Number.isNaN(ms)) throw malformed(i, `line 1:${i} no viable alternative at character '${m[0]}'`);
      tokens.push({ kind: 'date', text: m[0], pos: i, value: ms });
      i += m[0].length;
      continue;
    }
    m = NUMBER_RE.exec(rest);
    if (m) {
      tokens.push({ kind: 'number', text: m[0], pos: i, value: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    m = IDENT_RE.exec(rest);
    if (m) {
      tokens.push({ kind: 'ident', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const two = rest.slice(0, 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'op', text: two === '<>' ? '!=' : two, pos: i });
      i += 2;
      continue;
    }
    if (ch === '=' || ch === '<' || ch === '>') {
      tokens.push({ kind: 'op', text: ch, pos: i });
      i++;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',' || ch === ':') {
      tokens.push({ kind: ch, text: ch, pos: i });
      i++;
      continue;
    }
    throw malformed(i, `line 1:${i} no viable alternative at character '${ch}'`);
  }
  tokens.push({ kind: 'eof', text: '<EOF>', pos: text.length });
  return tokens;
}

function normaliseOffset(text: string): string {
  return text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

const STRINGISH = new Set(['id', 'reference', 'string', 'email', 'phone', 'textarea', 'picklist']);
const NUMERIC = new Set(['double', 'currency', 'int']);

class Parser {
  private index = 0;
  private readonly tokens: Token[];

  constructor(
    private readonly text: string,
    private readonly absent: ReadonlySet<string> = new Set(),
  ) {
    this.tokens = tokenize(text);
  }

  parse(): SoqlQuery {
    this.expectKeyword('SELECT');
    const items: { token: Token; kind: 'field' | 'count' | 'fields'; arg?: string }[] = [];
    for (;;) {
      const token = this.next();
      if (token.kind !== 'ident' || (KEYWORDS.has(token.text.toUpperCase()) && token.text.toUpperCase() !== 'FIELDS')) {
        throw this.malformed(token, `unexpected token: '${token.text}'`);
      }
      const upper = token.text.toUpperCase();
      if ((upper === 'COUNT' || upper === 'FIELDS') && this.peek().kind === '(') {
        this.next();
        if (upper === 'COUNT') {
          this.expect(')');
          items.push({ token, kind: 'count' });
        } else {
          const arg = this.next();
          const which = arg.text.toUpperCase();
          if (arg.kind !== 'ident' || !['ALL', 'STANDARD', 'CUSTOM'].includes(which)) {
            throw this.malformed(arg, `unexpected token: '${arg.text}'`);
          }
          this.expect(')');
          items.push({ token, kind: 'fields', arg: which });
        }
      } else {
        items.push({ token, kind: 'field' });
      }
      if (this.peek().kind === ',') {
        this.next();
        continue;
      }
      break;
    }
    this.expectKeyword('FROM');
    const objectToken = this.next();
    const object = objectToken.kind === 'ident' ? schemaFor(objectToken.text) : undefined;
    if (!object) {
      throw new SoqlError(
        'INVALID_TYPE',
        locate(
          this.text,
          objectToken.pos,
          `sObject type '${objectToken.text}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
        ),
      );
    }
    const query: SoqlQuery = { object, count: false, fields: [], orderBy: [] };
    const seen = new Set<string>();
    for (const item of items) {
      if (item.kind === 'count') {
        if (items.length > 1) throw this.malformed(item.token, 'COUNT() cannot be combined with other fields');
        query.count = true;
        continue;
      }
      if (item.kind === 'fields') {
        query.fieldsFunction = item.arg as 'ALL' | 'STANDARD' | 'CUSTOM';
        for (const f of object.fields) {
          if (item.arg === 'CUSTOM' && !f.custom) continue;
          if (item.arg === 'STANDARD' && f.custom) continue;
          if (!seen.has(f.name)) {
            seen.add(f.name);
            query.fields.push({ path: f.name, field: f });
          }
        }
        continue;
      }
      const ref = this.resolveField(object, item.token);
      if (seen.has(ref.path.toLowerCase())) {
        throw this.malformed(item.token, `duplicate field selected: ${ref.path}`);
      }
      seen.add(ref.path.toLowerCase());
      query.fields.push(ref);
    }
    if (this.peekKeyword('WHERE')) {
      this.next();
      query.where = this.parseExpression(object);
    }
    if (this.peekKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      for (;;) {
        const token = this.next();
        if (token.kind !== 'ident') throw this.malformed(token, `unexpected token: '${token.text}'`);
        const field = this.resolveField(object, token);
        if (field.field.type === 'textarea') {
          throw new SoqlError('INVALID_FIELD', locate(this.text, token.pos, `field '${field.path}' can not be sorted in a query call`));
        }
        let descending = false;
        if (this.peekKeyword('ASC')) this.next();
        else if (this.peekKeyword('DESC')) {
          this.next();
          descending = true;
        }
        let nullsLast = descending;
        if (this.peekKeyword('NULLS')) {
          this.next();
          const which = this.next();
          if (which.text.toUpperCase() === 'FIRST') nullsLast = false;
          else if (which.text.toUpperCase() === 'LAST') nullsLast = true;
          else throw this.malformed(which, `unexpected token: '${which.text}'`);
        }
        query.orderBy.push({ field, descending, nullsLast });
        if (this.peek().kind === ',') {
          this.next();
          continue;
        }
        break;
      }
    }
    if (this.peekKeyword('LIMIT')) {
      this.next();
      query.limit = this.integer();
    }
    if (this.peekKeyword('OFFSET')) {
      this.next();
      const token = this.peek();
      query.offset = this.integer();
      if (query.offset > 2000) {
        throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', locate(this.text, token.pos, 'Maximum SOQL offset allowed is 2000'));
      }
    }
    const trailing = this.peek();
    if (trailing.kind !== 'eof') throw this.malformed(trailing, `unexpected token: '${trailing.text}'`);
    if ((query.fieldsFunction === 'ALL' || query.fieldsFunction === 'CUSTOM') && (query.limit === undefined || query.limit > 200)) {
      throw new SoqlError(
        'MALFORMED_QUERY',
        locate(this.text, 0, 'The SOQL FIELDS function must have a LIMIT of at most 200'),
      );
    }
    return query;
  }

  private parseExpression(object: SfObjectSchema): Condition {
    const first = this.parseTerm(object);
    const items = [first];
    let conjunction: 'AND' | 'OR' | undefined;
    for (;;) {
      const token = this.peek();
      const upper = token.kind === 'ident' ? token.text.toUpperCase() : '';
      if (upper !== 'AND' && upper !== 'OR') break;
      // SOQL refuses to guess precedence: mixing AND and OR needs parentheses.
      if (conjunction && conjunction !== upper) throw this.malformed(token, `unexpected token: ${upper}`);
      conjunction = upper;
      this.next();
      items.push(this.parseTerm(object));
    }
    if (!conjunction) return first;
    return { kind: conjunction === 'AND' ? 'and' : 'or', items };
  }

  private parseTerm(object: SfObjectSchema): Condition {
    if (this.peekKeyword('NOT')) {
      this.next();
      return { kind: 'not', item: this.parseTerm(object) };
    }
    if (this.peek().kind === '(') {
      this.next();
      const inner = this.parseExpression(object);
      this.expect(')');
      return inner;
    }
    const fieldToken = this.next();
    if (fieldToken.kind !== 'ident' || KEYWORDS.has(fieldToken.text.toUpperCase())) {
      throw this.malformed(fieldToken, `unexpected token: '${fieldToken.text}'`);
    }
    const field = this.resolveField(object, fieldToken);
    if (field.field.type === 'textarea') {
      throw new SoqlError('INVALID_FIELD', locate(this.text, fieldToken.pos, `field '${field.path}' can not be filtered in a query call`));
    }
    let negate = false;
    if (this.peekKeyword('NOT')) {
      this.next();
      negate = true;
      if (!this.peekKeyword('IN')) throw this.malformed(this.peek(), `unexpected token: '${this.peek().text}'`);
    }
    if (this.peekKeyword('IN')) {
      this.next();
      this.expect('(');
      const values: SoqlLiteral[] = [];
      for (;;) {
        const valueToken = this.peek();
        const value = this.parseValue();
        this.typeCheck(field, '=', value, valueToken);
        values.push(value);
        if (this.peek().kind === ',') {
          this.next();
          continue;
        }
        break;
      }
      this.expect(')');
      return { kind: 'in', field, values, negate };
    }
    if (this.peekKeyword('LIKE')) {
      this.next();
      const valueToken = this.next();
      if (valueToken.kind !== 'string' || !STRINGISH.has(field.field.type)) {
        throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', locate(this.text, valueToken.pos, `invalid operator on ${field.field.type} field`));
      }
      return { kind: 'like', field, pattern: String(valueToken.value) };
    }
    const opToken = this.next();
    if (opToken.kind !== 'op') throw this.malformed(opToken, `unexpected token: '${opToken.text}'`);
    const valueToken = this.peek();
    const value = this.parseValue();
    const op = opToken.text as CompareOp;
    this.typeCheck(field, op, value, valueToken);
    return { kind: 'compare', field, op, value };
  }

  private parseValue(): SoqlLiteral {
    const token = this.next();
    switch (token.kind) {
      case 'string':
        return { kind: 'string', value: String(token.value) };
      case 'number':
        return { kind: 'number', value: Number(token.value) };
      case 'datetime':
        return { kind: 'datetime', ms: Number(token.value), text: token.text };
      case 'date':
        return { kind: 'date', ms: Number(token.value), text: token.text };
      case 'ident': {
        const upper = token.text.toUpperCase();
        if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'boolean', value: upper === 'TRUE' };
        if (upper === 'NULL') return { kind: 'null' };
        if (DATE_LITERALS_FIXED.has(upper)) return { kind: 'dateLiteral', name: upper, n: 0 };
        if (DATE_LITERALS_N.has(upper)) {
          this.expect(':');
          const n = this.next();
          if (n.kind !== 'number' || !Number.isInteger(n.value)) throw this.malformed(n, `unexpected token: '${n.text}'`);
          return { kind: 'dateLiteral', name: upper, n: Number(n.value) };
        }
        throw this.malformed(token, `unexpected token: '${token.text}'`);
      }
      default:
        throw this.malformed(token, `unexpected token: '${token.text}'`);
    }
  }

  /** SOQL literals are typed: a quoted datetime is a string, and strings do not compare to dates. */
  private typeCheck(field: FieldRef, op: CompareOp, value: SoqlLiteral, token: Token): void {
    const type = field.field.type;
    const fail = (message: string): never => {
      throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', locate(this.text, token.pos, message));
    };
    if (value.kind === 'null') {
      if (op !== '=' && op !== '!=') fail(`invalid operator on null value for field '${field.path}'`);
      return;
    }
    const name = field.path;
    if (type === 'datetime') {
      if (value.kind === 'datetime' || value.kind === 'dateLiteral') return;
      if (value.kind === 'string') fail(`value of filter criterion for field '${name}' must be of type dateTime and should not be enclosed in quotes`);
      fail(`value of filter criterion for field '${name}' must be of type dateTime`);
    }
    if (type === 'date') {
      if (value.kind === 'date' || value.kind === 'dateLiteral') return;
      if (value.kind === 'string') fail(`value of filter criterion for field '${name}' must be of type date and should not be enclosed in quotes`);
      fail(`value of filter criterion for field '${name}' must be of type date`);
    }
    if (type === 'boolean') {
      if (value.kind !== 'boolean') {
        fail(
          value.kind === 'string'
            ? `value of filter criterion for field '${name}' must be of type boolean and should not be enclosed in quotes`
            : `value of filter criterion for field '${name}' must be of type boolean`,
        );
      }
      if (op !== '=' && op !== '!=') fail(`invalid operator on boolean field`);
      return;
    }
    if (NUMERIC.has(type)) {
      if (value.kind === 'number') return;
      if (value.kind === 'string') fail(`value of filter criterion for field '${name}' must be of type double and should not be enclosed in quotes`);
      fail(`value of filter criterion for field '${name}' must be of type double`);
    }
    if (STRINGISH.has(type)) {
      if (value.kind !== 'string') fail(`value of filter criterion for field '${name}' must be of type string and should be enclosed in quotes`);
      const text = (value as { value: string }).value;
      if ((type === 'id' || type === 'reference') && text !== '' && !isWellFormedId(text)) fail(`invalid ID field: ${text}`);
    }
  }

  private resolveField(object: SfObjectSchema, token: Token): FieldRef {
    const parts = token.text.split('.');
    const noSuchColumn = (): SoqlError =>
      new SoqlError(
        'INVALID_FIELD',
        locate(
          this.text,
          token.pos,
          `No such column '${parts[parts.length - 1]}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        ),
      );
    if (parts.length === 1) {
      const field = object.byLowerName.get((parts[0] as string).toLowerCase());
      if (!field || this.absent.has(`${object.name}.${field.name}`)) throw noSuchColumn();
      return { path: field.name, field };
    }
    // A leading object name is allowed: SELECT Contact.Email FROM Contact.
    if (parts.length === 2 && (parts[0] as string).toLowerCase() === object.name.toLowerCase()) {
      const field = object.byLowerName.get((parts[1] as string).toLowerCase());
      if (!field || this.absent.has(`${object.name}.${field.name}`)) throw noSuchColumn();
      return { path: field.name, field };
    }
    const via = parts.length === 2 ? object.relationships.get((parts[0] as string).toLowerCase()) : undefined;
    if (!via) {
      throw new SoqlError(
        'INVALID_FIELD',
        locate(
          this.text,
          token.pos,
          `Didn't understand relationship '${parts.slice(0, -1).join('.')}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        ),
      );
    }
    const target = SCHEMAS[via.referenceTo[0] as SfObjectName];
    const field = target.byLowerName.get((parts[1] as string).toLowerCase());
    if (!field) {
      throw new SoqlError(
        'INVALID_FIELD',
        locate(
          this.text,
          token.pos,
          `No such column '${parts[1]}' on entity '${target.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        ),
      );
    }
    const name = via.relationshipName as string;
    return { path: `${name}.${field.name}`, field, relationship: { name, via, target } };
  }

  private integer(): number {
    const token = this.next();
    if (token.kind !== 'number' || !Number.isInteger(token.value) || Number(token.value) < 0) {
      throw this.malformed(token, `unexpected token: '${token.text}'`);
    }
    return Number(token.value);
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.tokens[this.index] as Token;
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  private peekKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.kind === 'ident' && token.text.toUpperCase() === keyword;
  }

  private expectKeyword(keyword: string): void {
    const token = this.next();
    if (token.kind !== 'ident' || token.text.toUpperCase() !== keyword) {
      throw this.malformed(token, `unexpected token: '${token.text}'`);
    }
  }

  private expect(kind: TokenKind): void {
    const token = this.next();
    if (token.kind !== kind) throw this.malformed(token, `unexpected token: '${token.text}'`);
  }

  private malformed(token: Token, message: string): SoqlError {
    return new SoqlError('MALFORMED_QUERY', locate(this.text, token.pos, message));
  }
}

export function parseSoql(text: string, absentFields?: ReadonlySet<string>): SoqlQuery {
  if (text.trim() === '') throw new SoqlError('MALFORMED_QUERY', 'SOQL statements cannot be empty or null');
  return new Parser(text, absentFields).parse();
}
