/** Turns a generated (ajv standalone) validator's errors into problems that name the line they are about. */
import type { SourcePos } from './errors.js';

export interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

export type Validator = ((doc: unknown) => boolean) & { errors?: SchemaError[] | null };

/** ` (a, b, c)` for an enum error: the values allowed. */
const allowed = (e: SchemaError) =>
  e.params.allowedValues ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : '';

export interface SchemaProblem {
  pos: SourcePos;
  message: string;
  keyword: string;
  /** The instance path as names (`rules`, `biomed`, `vo`), the unknown name last for additionalProperties. */
  path: string[];
}

/** `positions` maps a JSON pointer (`/rules/biomed/vo`, `/rules/biomed`) to where it was written. */
export function schemaProblems(
  validate: Validator,
  doc: unknown,
  positions: Map<string, SourcePos>,
  fallback: SourcePos,
): SchemaProblem[] {
  if (validate(doc)) return [];
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of validate.errors ?? []) {
    // oneOf/anyOf wrappers repeat what their branches said; the branch errors are enough.
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') continue;
    let path = e.instancePath;
    let what = path
      .split('/')
      .filter(Boolean)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'additionalProperties') {
      const extra = String(e.params.additionalProperty);
      path += '/' + extra.replace(/~/g, '~0').replace(/\//g, '~1');
      what = [...what, extra];
    }
    let p = path;
    while (p && !positions.has(p)) p = p.slice(0, p.lastIndexOf('/'));
    const name = what.length ? what.join(' / ') : 'the file';
    const message =
      e.keyword === 'additionalProperties'
        ? `unknown ${what.length > 1 ? 'key' : 'section'} ${JSON.stringify(what[what.length - 1])}`
        : e.keyword === 'required'
          ? `${name}: missing required key ${JSON.stringify(e.params.missingProperty)}`
          : e.keyword === 'dependentRequired'
            ? `${name}: ${JSON.stringify(e.params.property)} needs ${JSON.stringify(e.params.missingProperty)}`
            : `${name} ${e.message ?? 'is invalid'}${allowed(e)}`;
    const key = `${p}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pos: positions.get(p) ?? fallback, message, keyword: e.keyword, path: what });
  }
  return out;
}
