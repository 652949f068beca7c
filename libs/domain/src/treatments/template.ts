import type { JsonTemplate } from './treatment';

/**
 * Minimal template renderer (data only, nothing evaluated): every string's `{{path}}` placeholders
 * are looked up in the context by dotted path (`customer.email`, `persona.key`, `event.plan`). A
 * string that is exactly one placeholder takes the value's own JSON type; placeholders inside
 * longer strings are written as text; a missing value renders as null (alone) or "" (inside text).
 * Keys are never rendered. T1 owns the full renderer; this one is what decide needs to merge.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;
const WHOLE = /^\{\{\s*([A-Za-z0-9_.]+)\s*\}\}$/;

export type RenderContext = Readonly<Record<string, unknown>>;

export function renderTemplate(template: JsonTemplate, context: RenderContext): unknown {
  if (typeof template === 'string') return renderString(template, context);
  if (Array.isArray(template)) return template.map((t) => renderTemplate(t, context));
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = renderTemplate(v, context);
    return out;
  }
  return template;
}

function renderString(s: string, context: RenderContext): unknown {
  const whole = WHOLE.exec(s);
  if (whole) return lookup(context, whole[1]) ?? null;
  return s.replace(PLACEHOLDER, (_, path: string) => {
    const v = lookup(context, path);
    if (v === undefined || v === null) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

function lookup(context: RenderContext, path: string): unknown {
  let cur: unknown = context;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
