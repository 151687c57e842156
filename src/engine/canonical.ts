/**
 * What HTCondor does with the canonical name a map file gives (htcondor-mapfile.md §12.3): `PLUGIN:<names>`
 * hands over to those plugins (here: the policies configured for them), `banned.htcondor.org` and
 * `@unmapped` are refusals, anything else is kept to its first 255 bytes and split into user@domain.
 * tokenmap decides bans on the whole name, before the cut (so a long `\1` cannot cut a ban away), refuses
 * a name the cut would change, and checks the whole identity: user and domain.
 */
import { asciiLower, binaryFromText, bytesFromBinary } from '../bytes.js';
import type { ErrorCode } from '../errors.js';
import { formatPos, type SourcePos } from '../errors.js';
import type { CompiledPolicies } from '../policy/compile.js';
import type { Decision } from './decision.js';
import { accountRefusal, domainRefusal } from './identity.js';
import type { RuleSet } from './rule-set.js';

export const BANNED_DOMAIN = 'banned.htcondor.org';
/** HTCondor copies a canonical name into a 256-byte buffer. */
export const CANONICAL_MAX = 255;
/** The identity HTCondor is left with when every plugin declines. */
export const HTCONDOR_UNMAPPED = 'scitokens@unmapped';

/** How an evaluation turns what canonical-name handling found into a Decision. */
export interface Outcomes {
  readonly rules: RuleSet;
  error(code: ErrorCode, reason: string, rule?: string): Decision;
  declined(reason: string, htcondor?: string): Decision;
  mapped(account: string, group: string | undefined, domain: string, rule: string): Decision;
  note(text: string): void;
  /** Hands over to a plugin's policies; the Decision of the rule that matched, or null. */
  handOver(policies: CompiledPolicies, name: string, pos: SourcePos, label: string): Decision | null;
}

/**
 * HTCondor's split of a canonical name: only its first 255 bytes are kept, then it is split at the last
 * `@`; without one the domain is UID_DOMAIN.
 */
export function splitCanonical(canonical: string, uidDomain: string): { user: string; domain: string } {
  const bytes = bytesFromBinary(binaryFromText(canonical)).subarray(0, CANONICAL_MAX);
  const kept = bytes.toString('utf8');
  const at = kept.lastIndexOf('@');
  return at < 0 ? { user: kept, domain: uidDomain } : { user: kept.slice(0, at), domain: kept.slice(at + 1) };
}

/** The Decision for the canonical name a map line at `pos` gave. */
export function decideCanonical(canonical: string, pos: SourcePos, label: string, o: Outcomes): Decision {
  if (canonical.startsWith('PLUGIN:')) {
    const d = plugins(canonical, pos, label, o);
    if (d) return d;
  }
  const where = formatPos(pos);
  const at = canonical.lastIndexOf('@');
  const whole = asciiLower(at < 0 ? '' : canonical.slice(at + 1));
  if (whole === BANNED_DOMAIN) return o.error('BANNED', `banned by ${where} (${canonical})`, where);
  if (whole === 'unmapped') return o.error('BANNED', `${where} maps to ${canonical}, which HTCondor-CE denies`, where);
  const bytes = Buffer.byteLength(canonical);
  if (bytes > CANONICAL_MAX)
    return o.error(
      'UNSAFE_IDENTITY',
      `the canonical name of ${where} is ${bytes} bytes; HTCondor keeps only the first ${CANONICAL_MAX}, ` +
        'which would change the identity',
      where,
    );
  const { user, domain } = splitCanonical(canonical, o.rules.uidDomain);
  const refusal = domainRefusal(domain, o.rules.identity) ?? accountRefusal(user, o.rules.identity);
  if (refusal) return o.error('UNSAFE_IDENTITY', `${refusal}; map file line ${where}`, where);
  return o.mapped(user, undefined, domain, where);
}

/** HTCondor's plugin dispatch; null when the name lists no plugin (HTCondor then keeps it literally). */
function plugins(canonical: string, pos: SourcePos, label: string, o: Outcomes): Decision | null {
  const p = o.rules;
  const list = canonical.slice('PLUGIN:'.length);
  const names =
    list === '*'
      ? [...p.pluginNames]
      : list
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean);
  if (list === '*' && p.anyPlugin && names.length === 0) names.push('*');
  if (names.length === 0) {
    o.note(
      `${formatPos(pos)}: ${JSON.stringify(canonical)} names no plugin; ` +
        'HTCondor then uses the literal name as the user',
    );
    return null;
  }
  for (const name of names) {
    const target = p.plugins.get(name.toUpperCase()) ?? p.anyPlugin;
    if (!target)
      return o.error(
        'PLUGIN_UNCONFIGURED',
        `${formatPos(pos)}: PLUGIN:${name} has no [plugin ${name}] in the configuration ` +
          '(HTCondor fails the authentication when a plugin has no command)',
        formatPos(pos),
      );
    const d = o.handOver(target, name, pos, label);
    if (d) return d;
  }
  return o.declined(
    `every plugin declined (${names.join(', ')}); HTCondor's identity stays ${HTCONDOR_UNMAPPED}`,
    HTCONDOR_UNMAPPED,
  );
}
