/**
 * Evaluate: claims in, one Decision out. Token checks, the site audience gate, then each rule source in
 * order. A map file's `PLUGIN:<names>` hands over to the policies configured for those names, as HTCondor
 * hands over to its plugins, so one evaluation shows the whole CE pipeline. Pure: no I/O, `now` passed in.
 */
import { binaryFromText, textFromBinary } from '../bytes.js';
import { formatPos, type SourcePos } from '../errors.js';
import type { Claims } from '../claims/claims.js';
import { checkToken } from '../claims/validate.js';
import type { CompiledMap } from '../mapfile/compile.js';
import { lookup, lookupTrace, type LookupProbe } from '../mapfile/lookup.js';
import { audienceRefusal } from '../policy/audience.js';
import type { PolicyRule } from '../policy/parse.js';
import type { Decision, TraceStep } from './decision.js';
import { accountRefusal, BANNED_DOMAIN, splitCanonical } from './identity.js';
import type { Pipeline } from './pipeline.js';
import { firstMatch, type CompiledPolicies } from './policies.js';

export interface EvaluateOptions {
  /** Unix seconds. */
  now: number;
  /** Record every rule considered (explain); the callout path records only the deciding one. */
  trace?: boolean;
  /** Tells a caller that interrupts the evaluation which map line was running. */
  probe?: LookupProbe;
}

const HTCONDOR_UNMAPPED = 'scitokens@unmapped';

/** How a rule is named in traces and messages: where it is, and which it is. */
const ruleName = (rule: PolicyRule) => (rule.kind === 'mapping' ? `[mappings] ${rule.name}` : `[rule ${rule.name}]`);

class Evaluation {
  readonly trace: TraceStep[] = [];
  readonly notes: string[];
  constructor(
    readonly p: Pipeline,
    readonly c: Claims,
    readonly opts: EvaluateOptions,
  ) {
    this.notes = [...p.notes];
  }

  step(rule: string, source: string, outcome: TraceStep['outcome'], why: string): void {
    this.trace.push({ rule, source, outcome, why });
  }

  done(d: Omit<Decision, 'trace' | 'notes' | 'token'>): Decision {
    const c = this.c;
    return {
      ...d,
      token: { source: c.source, iss: c.iss, sub: c.sub ?? c.arcSubject },
      trace: this.trace,
      notes: this.notes,
    };
  }

  error(code: string, reason: string, rule?: string): Decision {
    return this.done({ result: 'error', code, reason, rule });
  }

  declined(reason: string, htcondor?: string): Decision {
    return this.done({ result: 'declined', reason, htcondor });
  }

  /** A policy rule decided: an account (checked), a pool, or a deny. */
  fromRule(rule: PolicyRule, label: string): Decision {
    const where = `${formatPos(rule.pos)} (${ruleName(rule)})`;
    const result = rule.kind === 'mapping' ? { account: rule.name } : rule.result;
    if ('deny' in result) return this.error('DENIED', `denied: ${result.deny}`, where);
    if ('pool' in result)
      return this.error(
        'POOL_UNAVAILABLE',
        `pool accounts are not available in this version (rule maps to pool ${JSON.stringify(result.pool)} in ${label})`,
        where,
      );
    const refusal =
      accountRefusal(result.account, this.p.identity) ??
      (result.group ? accountRefusal(result.group, this.p.identity) : null);
    if (refusal) return this.error('UNSAFE_IDENTITY', `${refusal}; rule ${where}`, where);
    return this.done({
      result: 'mapped',
      reason: `mapped by ${where}`,
      account: result.account,
      group: result.group,
      htcondor: `${result.account}@${this.p.uidDomain}`,
      arc: result.group ? `${result.account}:${result.group}` : result.account,
      rule: where,
    });
  }

  policies(p: CompiledPolicies, label: string): PolicyRule | null {
    const visit = this.opts.trace
      ? (rule: PolicyRule, m: { ok: boolean; why: string }) =>
          this.step(`${formatPos(rule.pos)} ${ruleName(rule)}`, label, m.ok ? 'matched' : 'no-match', m.why)
      : undefined;
    const hit = firstMatch(p, this.c, { audience: this.p.audience }, visit);
    if (hit && !visit) this.step(`${formatPos(hit.rule.pos)} ${ruleName(hit.rule)}`, label, 'matched', hit.match.why);
    return hit?.rule ?? null;
  }

  /** HTCondor's plugin dispatch for a canonical name starting with PLUGIN:. */
  plugin(canonical: string, pos: SourcePos, label: string): Decision | null {
    const list = canonical.slice('PLUGIN:'.length);
    const names =
      list === '*'
        ? this.p.pluginNames
        : list
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean);
    if (list === '*' && this.p.anyPlugin && names.length === 0) names.push('*');
    if (names.length === 0) {
      this.notes.push(
        `${formatPos(pos)}: ${JSON.stringify(canonical)} names no plugin; HTCondor then uses the literal name as the user`,
      );
      return null;
    }
    for (const name of names) {
      const target = this.p.plugins.get(name.toUpperCase()) ?? this.p.anyPlugin;
      if (!target)
        return this.error(
          'PLUGIN_UNCONFIGURED',
          `${formatPos(pos)}: PLUGIN:${name} has no [plugin ${name}] in the configuration (HTCondor fails the authentication when a plugin has no command)`,
          formatPos(pos),
        );
      this.step(formatPos(pos), label, 'matched', `hands over to plugin ${name}`);
      const rule = this.policies(target, `plugin ${name}`);
      if (rule) return this.fromRule(rule, `plugin ${name}`);
    }
    return this.declined(
      `every plugin declined (${names.join(', ')}); HTCondor's identity stays ${HTCONDOR_UNMAPPED}`,
      HTCONDOR_UNMAPPED,
    );
  }

  mapfile(label: string, source: Pipeline['sources'][number] & { kind: 'mapfile' }): Decision | null {
    const c = this.c;
    if (c.iss === undefined || c.sub === undefined) {
      this.step(
        label,
        label,
        'skipped',
        'a map file needs <iss>,<sub>; ARC 6 passes only <iss>/<sub>, which is never split',
      );
      return null;
    }
    const principal = binaryFromText(`${c.iss},${c.sub}`);
    const probe: LookupProbe = this.opts.probe ?? { entry: null, dropped: [] };
    const m = this.opts.trace
      ? lookupTrace(
          source.map.map,
          'SCITOKENS',
          principal,
          (e, ok) =>
            this.step(
              formatPos(e.record.pos),
              label,
              ok ? 'matched' : 'no-match',
              ok ? `matches ${JSON.stringify(`${c.iss},${c.sub}`)}` : 'principal does not match',
            ),
          probe,
        )
      : lookup(source.map.map, 'SCITOKENS', principal, probe);
    for (const issue of probe.dropped) this.notes.push(`${formatPos(issue.pos)}: ${issue.message}`);
    probe.dropped.length = 0;
    probe.entry = null;
    if (!m) {
      if (!this.opts.trace)
        this.step(label, label, 'no-match', `no SCITOKENS line matches ${JSON.stringify(`${c.iss},${c.sub}`)}`);
      else this.slashHint(source.map.map, c.iss, c.sub);
      return null;
    }
    const pos = m.entry.record.pos;
    const canonical = textFromBinary(m.canonical);
    if (!this.opts.trace) this.step(formatPos(pos), label, 'matched', `canonical name ${JSON.stringify(canonical)}`);
    if (canonical.startsWith('PLUGIN:')) {
      const d = this.plugin(canonical, pos, label);
      if (d) return d;
    }
    const { user, domain } = splitCanonical(canonical, this.p.uidDomain);
    const where = formatPos(pos);
    if (domain === BANNED_DOMAIN) return this.error('BANNED', `banned by ${where} (${user}@${domain})`, where);
    if (domain === 'unmapped')
      return this.error('BANNED', `${where} maps to ${user}@unmapped, which HTCondor-CE denies`, where);
    const refusal = accountRefusal(user, this.p.identity);
    if (refusal) return this.error('UNSAFE_IDENTITY', `${refusal}; map file line ${where}`, where);
    return this.done({
      result: 'mapped',
      reason: `mapped by ${where}`,
      account: user,
      htcondor: `${user}@${domain}`,
      arc: user,
      rule: where,
    });
  }

  /** explain: a map line that would match if the issuer's trailing slash were spelled the other way. */
  slashHint(map: CompiledMap, iss: string, sub: string): void {
    const other = iss.endsWith('/') ? iss.slice(0, -1) : `${iss}/`;
    try {
      const m = lookup(map, 'SCITOKENS', binaryFromText(`${other},${sub}`));
      if (m)
        this.notes.push(
          `${formatPos(m.entry.record.pos)} would match if the issuer were ${JSON.stringify(other)}: the token's iss differs only by a trailing slash, which counts`,
        );
    } catch {
      // an unsupported entry on the other spelling's path: no hint
    }
  }

  run(): Decision {
    const { p, c } = this;
    if (p.tokenChecks && c.source !== 'subject') {
      const check = checkToken(c, { now: this.opts.now, skew: p.tokenChecks.skew });
      this.notes.push(...check.notes);
      if (check.rejections.length) return this.declined(`token rejected: ${check.rejections.join('; ')}`);
    }
    if (p.audience.enforce && c.iss !== undefined) {
      const refusal = audienceRefusal(c, { ...p.audience, missingOk: p.audience.missingOkIssuers.includes(c.iss) });
      if (refusal) return this.declined(`token rejected by the site audience policy: ${refusal}`);
    }
    for (const source of p.sources) {
      if (source.kind === 'mapfile') {
        const d = this.mapfile(source.label, source);
        if (d) return d;
        continue;
      }
      const rule = this.policies(source.policies, source.label);
      if (rule) return this.fromRule(rule, source.label);
      if (!this.opts.trace) this.step(source.label, source.label, 'no-match', 'no rule matches');
    }
    return this.declined(
      'no rule maps this token',
      p.sources.some((s) => s.kind === 'mapfile') ? undefined : HTCONDOR_UNMAPPED,
    );
  }
}

export function evaluate(p: Pipeline, c: Claims, opts: EvaluateOptions): Decision {
  return new Evaluation(p, c, opts).run();
}
