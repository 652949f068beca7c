import type { ErrorDetail } from '../errors/domain-error';
import type { JsonTemplate } from './treatment';

/**
 * Payload templates are data, never code: JSON whose strings may hold `{{path}}` placeholders.
 * Rendering only looks values up; nothing is evaluated, no helpers, no loops.
 *
 * - A string that is exactly one placeholder (`"{{customer.total_revenue}}"`) takes the value's
 *   own JSON type (number, boolean, array, null when missing).
 * - Inside other text, a value is written as text (objects and arrays as JSON; missing as "").
 * - Object keys are copied as they are (never rendered).
 *
 * Roots: `customer.<attribute>` (+ `customer.id`, `customer.email`), `persona.key|name|description`,
 * `touchpoint.key|name`, `event.<property>` (+ `event.id`, `event.occurredAt`).
 */

export const TEMPLATE_ROOTS = ['customer', 'persona', 'touchpoint', 'event'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

export const TEMPLATE_LIMITS = {
  /** Size of the template as compact JSON, in UTF-8 bytes. */
  maxBytes: 16 * 1024,
  /** Nesting of objects and arrays (a flat object is 1). */
  maxDepth: 8,
  maxPlaceholders: 200,
} as const;

const FIXED_FIELDS: Readonly<Record<Exclude<TemplateRoot, 'event'>, readonly string[]>> & { event: readonly string[] } = {
  customer: ['id', 'email'],
  persona: ['key', 'name', 'description'],
  touchpoint: ['key', 'name'],
  event: ['id', 'occurredAt'],
};

/** `{{ path }}`; whatever sits between the braces is checked by the validator. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{([^{}]*)\}\}$/;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_-]*)+$/;

/** What a template is rendered against. `customer` holds the attributes plus id and email. */
export interface TemplateContext {
  customer: Readonly<Record<string, unknown>>;
  persona: { key: string; name: string; description: string } | null;
  touchpoint: { key: string; name: string };
  event: Readonly<Record<string, unknown>>;
}

export interface TemplateCheckOptions {
  /** Customer attribute names a template may read (the catalog); unchecked when absent. */
  customerAttributes?: ReadonlySet<string>;
  /** Event properties a template may read; unchecked when absent (a treatment serves many touchpoints). */
  eventProperties?: ReadonlySet<string>;
}

/**
 * Every problem with a template, each at its JSON path (`$.body.text`), empty when valid:
 * not JSON, too large, too deep, too many placeholders, a malformed placeholder, an unknown root
 * or field. `field` prefixes each path (`config.payloadTemplate`).
 */
export function validateTemplate(template: unknown, field = 'template', options: TemplateCheckOptions = {}): ErrorDetail[] {
  const issues: ErrorDetail[] = [];
  let json: string | undefined;
  try {
    json = JSON.stringify(template);
  } catch {
    json = undefined;
  }
  if (json === undefined) return [{ field, message: 'must be JSON', code: 'TEMPLATE_NOT_JSON' }];
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > TEMPLATE_LIMITS.maxBytes) {
    return [{ field, message: `is ${bytes} bytes as JSON; at most ${TEMPLATE_LIMITS.maxBytes}`, code: 'TEMPLATE_TOO_LARGE' }];
  }
  let placeholders = 0;
  const walk = (node: unknown, path: string, depth: number): void => {
    if (node === null || typeof node === 'boolean') return;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) issues.push({ field: `${field}.${path}`, message: 'must be a finite number', code: 'TEMPLATE_NOT_JSON' });
      return;
    }
    if (typeof node === 'string') {
      placeholders += checkString(node, `${field}.${path}`, options, issues);
      return;
    }
    if (typeof node !== 'object') {
      issues.push({ field: `${field}.${path}`, message: 'must be a JSON value', code: 'TEMPLATE_NOT_JSON' });
      return;
    }
    if (depth + 1 > TEMPLATE_LIMITS.maxDepth) {
      issues.push({ field: `${field}.${path}`, message: `nests deeper than ${TEMPLATE_LIMITS.maxDepth} levels`, code: 'TEMPLATE_TOO_DEEP' });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, `${path}[${i}]`, depth + 1));
      return;
    }
    for (const key of Object.keys(node)) walk((node as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
  };
  walk(template, '$', 0);
  if (placeholders > TEMPLATE_LIMITS.maxPlaceholders) {
    issues.push({ field, message: `has ${placeholders} placeholders; at most ${TEMPLATE_LIMITS.maxPlaceholders}`, code: 'TEMPLATE_TOO_MANY_PLACEHOLDERS' });
  }
  return issues;
}

function checkString(text: string, field: string, options: TemplateCheckOptions, issues: ErrorDetail[]): number {
  let count = 0;
  const stripped = text.replace(PLACEHOLDER, (_m, inner: string) => {
    count++;
    const problem = checkPath(inner.trim(), options);
    if (problem) issues.push({ field, message: `{{${inner}}}: ${problem.message}`, code: problem.code });
    return '';
  });
  if (stripped.includes('{{') || stripped.includes('}}')) {
    issues.push({ field, message: 'has an unbalanced "{{" or "}}"', code: 'TEMPLATE_BAD_PLACEHOLDER' });
  }
  return count;
}

function checkPath(path: string, options: TemplateCheckOptions): { message: string; code: string } | null {
  if (!PATH.test(path)) return { message: 'must be a dotted path such as customer.email', code: 'TEMPLATE_BAD_PLACEHOLDER' };
  const [root, ...rest] = path.split('.');
  if (!(TEMPLATE_ROOTS as readonly string[]).includes(root)) {
    return { message: `unknown root ${JSON.stringify(root)} (one of ${TEMPLATE_ROOTS.join(', ')})`, code: 'TEMPLATE_UNKNOWN_ROOT' };
  }
  const name = rest.join('.');
  const fixed = FIXED_FIELDS[root as TemplateRoot];
  if (root === 'persona' || root === 'touchpoint') {
    return fixed.includes(name) ? null : { message: `${root} has only ${fixed.join(', ')}`, code: 'TEMPLATE_UNKNOWN_FIELD' };
  }
  if (fixed.includes(name)) return null;
  const known = root === 'customer' ? options.customerAttributes : options.eventProperties;
  if (known && !known.has(name)) {
    return { message: `${root}.${name} is not a known ${root === 'customer' ? 'attribute' : 'event property'}`, code: 'TEMPLATE_UNKNOWN_FIELD' };
  }
  return null;
}

/** Looks a dotted path up in the context, own properties only (`__proto__` and friends are just missing). */
export function resolveTemplatePath(context: TemplateContext, path: string): unknown {
  const [root, ...rest] = path.split('.');
  if (!(TEMPLATE_ROOTS as readonly string[]).includes(root)) return undefined;
  let value: unknown = context[root as TemplateRoot];
  // Attribute and property names are flat (`customer.total_revenue`), so try the whole rest first.
  const whole = rest.join('.');
  if (value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, whole)) {
    return (value as Record<string, unknown>)[whole];
  }
  for (const segment of rest) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Renders a (valid) template against a context; see the file comment for the rules. */
export function renderTemplate(template: JsonTemplate, context: TemplateContext): unknown {
  if (typeof template === 'string') return renderString(template, context);
  if (template === null || typeof template !== 'object') return template;
  if (Array.isArray(template)) return template.map((t) => renderTemplate(t, context));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(template)) {
    Object.defineProperty(out, key, { value: renderTemplate(template[key], context), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function renderString(text: string, context: TemplateContext): unknown {
  const whole = WHOLE_PLACEHOLDER.exec(text);
  if (whole) {
    const value = resolveTemplatePath(context, whole[1].trim());
    return value === undefined ? null : value;
  }
  return text.replace(PLACEHOLDER, (_m, inner: string) => asText(resolveTemplatePath(context, inner.trim())));
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
