/**
 * A policy file: check-in-validator's `[mappings]` section, tokenmap's native `[rule NAME]` sections and
 * `[pool NAME]` sections, read with the configparser-compatible reader, checked against
 * schemas/policy.schema.json (generated validator), then turned into rules. Every problem names FILE:LINE.
 */
import type { SourcePos } from '../errors.js';
import { canonicalUrn, parseEntitlement, type Entitlement, type EntitlementPattern } from '../claims/entitlement.js';
import { classifyScope } from '../claims/scope.js';
import { validate as validatePolicy } from '../generated/policy-validator.js';
import { parsePoolSection, type PoolDef } from '../accounts/pool-def.js';
import { parseIni, type IniProblem } from './configparser.js';
import { schemaProblems, type Validator } from '../schema-errors.js';

/** A check-in-validator rule: `<localuser> = <unique_id> <issuer> <audience> <scope> <group>`. */
export interface MappingRule {
  kind: 'mapping';
  /** The local user: the option name, lower-cased as configparser does. */
  name: string;
  pos: SourcePos;
  uniqueId: string;
  issuer: string;
  audience: string;
  scope: string;
  group: string;
}

export type RuleResult = { account: string; group?: string } | { pool: string } | { deny: string };

export interface NativeRule {
  kind: 'native';
  name: string;
  pos: SourcePos;
  issuer: string;
  subjects?: string[];
  vopersonIds?: string[];
  audiences?: string[];
  audienceOptional: boolean;
  anyAudience: boolean;
  scopes: string[];
  groups?: string[];
  entitlements?: Entitlement[];
  compareAuthority: boolean;
  entitlementsFromScope: boolean;
  pattern?: EntitlementPattern;
  result: RuleResult;
}

export type PolicyRule = MappingRule | NativeRule;

export type { PoolDef };

export interface PolicyFile {
  file: string;
  rules: PolicyRule[];
  pools: Map<string, PoolDef>;
  problems: IniProblem[];
}

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(/\s+/).filter(Boolean));
const bool = (v: string | undefined, dflt: boolean) =>
  v === undefined ? dflt : ['yes', 'true', 'on', '1'].includes(v);

export const EGI_NAMESPACE = 'urn:mace:egi.eu';
export const EGI_AUTHORITY = 'aai.egi.eu';

export function parsePolicy(text: string, file: string): PolicyFile {
  const ini = parseIni(text, file);
  const problems = [...ini.problems];
  const error = (pos: SourcePos, message: string, lint?: string, schemaPath?: string[]) =>
    problems.push({ pos, severity: 'error', code: 'POLICY_INVALID', message, lint, schemaPath });
  const warn = (pos: SourcePos, message: string, lint?: string) =>
    problems.push({ pos, severity: 'warning', code: 'POLICY_LINT', message, lint });

  // The document the schema sees, and where each of its parts was written.
  const doc: Record<string, Record<string, unknown>> = {};
  const positions = new Map<string, SourcePos>();
  // Own properties even for `__proto__`, which a plain assignment would turn into the prototype, hiding
  // the key from the schema (it then reports it as unknown, at its line).
  const set = <T>(o: Record<string, T>, k: string, v: T) =>
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  const ptr = (...parts: string[]) => '/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  for (const s of ini.sections) {
    const m = /^(rule|pool)\s+(\S.*)$/.exec(s.name);
    const [group, name] = m ? [m[1] === 'rule' ? 'rules' : 'pools', (m[2] as string).trim()] : [s.name, null];
    const target: Record<string, string> = {};
    if (name === null) {
      set(doc, group, target);
      positions.set(ptr(group), s.pos);
      for (const e of s.entries) positions.set(ptr(group, e.key), e.pos);
    } else {
      if (!Object.hasOwn(doc, group)) set(doc, group, {});
      set(doc[group] as Record<string, unknown>, name, target);
      positions.set(ptr(group, name), s.pos);
      for (const e of s.entries) positions.set(ptr(group, name, e.key), e.pos);
    }
    for (const e of s.entries) set(target, e.key, e.value);
  }
  for (const p of schemaProblems(validatePolicy as Validator, doc, positions, { file, line: 0 }))
    error(
      p.pos,
      p.message,
      p.keyword !== 'additionalProperties'
        ? 'INI_VALUE'
        : p.path.length > 1
          ? 'INI_UNKNOWN_KEY'
          : 'INI_UNKNOWN_SECTION',
      p.path,
    );

  const rules: PolicyRule[] = [];
  const pools = new Map<string, PoolDef>();
  for (const s of ini.sections) {
    if (s.name === 'logger')
      warn(s.pos, '[logger] configures check-in-validator logging; tokenmap ignores it', 'CIV_LOGGER');
    if (s.name === 'mappings') {
      for (const e of s.entries) {
        const fields = e.value.split(' ');
        if (fields.length !== 5) continue; // the schema reported it
        const [uniqueId, issuer, audience, scope, group] = fields as [string, string, string, string, string];
        if (issuer === '*')
          error(e.pos, `${e.key}: the issuer cannot be * (check-in-validator forbids it)`, 'CIV_WILDCARD');
        if (group === '*')
          error(e.pos, `${e.key}: the group cannot be * (check-in-validator forbids it)`, 'CIV_WILDCARD');
        if (fields.some((f) => f.includes('\t')))
          warn(
            e.pos,
            `${e.key}: a TAB is not a separator; it stays inside the field, which then matches nothing`,
            'CIV_TAB',
          );
        if (e.rawKey !== e.key)
          warn(
            e.pos,
            `${JSON.stringify(e.rawKey)} is lower-cased to ${JSON.stringify(e.key)} (configparser), ` +
              'and that is the account printed',
            'CIV_MIXED_CASE',
          );
        rules.push({ kind: 'mapping', name: e.key, pos: e.pos, uniqueId, issuer, audience, scope, group });
      }
      continue;
    }
    const m = /^(rule|pool)\s+(\S.*)$/.exec(s.name);
    if (!m) continue;
    const name = (m[2] as string).trim();
    const v = (k: string) => s.entries.find((e) => e.key === k)?.value;
    if (m[1] === 'pool') {
      const parsed = parsePoolSection(name, s.pos, (k) => s.entries.find((e) => e.key === k));
      for (const p of parsed.problems) error(p.pos, p.message);
      if (parsed.pool) pools.set(name, parsed.pool);
      continue;
    }
    const results = (['account', 'pool', 'deny'] as const).filter((k) => v(k) !== undefined);
    if (results.length !== 1) {
      error(
        s.pos,
        `[rule ${name}] needs exactly one result: account = NAME, pool = NAME or deny = REASON ` +
          `(has ${results.length ? results.join(', ') : 'none'})`,
        'POLICY_RESULTS',
      );
      continue;
    }
    const result: RuleResult =
      results[0] === 'account'
        ? { account: v('account') as string, group: v('group') }
        : results[0] === 'pool'
          ? { pool: v('pool') as string }
          : { deny: v('deny') || `denied by [rule ${name}]` };
    const vo = v('vo');
    for (const sc of list(v('scopes')) ?? []) {
      const item = classifyScope(sc);
      if (item.kind === 'storage' && item.path === null)
        error(
          s.entries.find((e) => e.key === 'scopes')?.pos ?? s.pos,
          `[rule ${name}] scope ${JSON.stringify(sc)} can never be granted: ` +
            (item.invalid ?? 'a storage scope needs a path'),
          'POLICY_SCOPE_PATH',
        );
    }
    rules.push({
      kind: 'native',
      name,
      pos: s.pos,
      issuer: v('issuer') ?? '',
      subjects: list(v('subject')),
      vopersonIds: list(v('voperson_id')),
      audiences: list(v('audience')),
      audienceOptional: bool(v('audience_optional'), false),
      anyAudience: bool(v('any_audience'), false),
      scopes: list(v('scopes')) ?? [],
      groups: list(v('groups')),
      entitlements: list(v('entitlement'))?.map((x) => parseEntitlement(x)),
      compareAuthority: bool(v('compare_authority'), true),
      entitlementsFromScope: bool(v('entitlements_from_scope'), true),
      pattern: vo
        ? {
            namespace: canonicalUrn(v('namespace') ?? EGI_NAMESPACE),
            path: [vo, ...(v('subgroup')?.split(':') ?? [])],
            role: v('role'),
            authority: v('authority') === '*' ? undefined : (v('authority') ?? EGI_AUTHORITY),
          }
        : undefined,
      result,
    });
  }
  // A rule's pool may be defined in another file or in the site configuration: engine/pools.ts checks it.
  return { file, rules, pools, problems };
}
