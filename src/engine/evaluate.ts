/**
 * Evaluate: claims in, one Decision out. Token checks, the site audience gate, then each rule source in
 * order. A map file's `PLUGIN:<names>` hands over to the policies configured for those names, as HTCondor
 * hands over to its plugins, so one evaluation shows the whole CE pipeline. Pure: no I/O, `now` passed in.
 */
import { binaryFromText, textFromBinary } from '../bytes.js';
import type { ErrorCode } from '../errors.js';
import { formatPos, type SourcePos } from '../errors.js';
import type { Claims } from '../claims/claims.js';
import { tokenState } from '../claims/token-state.js';
import { checkToken } from '../claims/validate.js';
import { DEFAULT_SKEW_S } from '../config/config.js';
import type { CompiledMap } from '../mapfile/compile.js';
import { lookup, lookupTrace, type LookupProbe } from '../mapfile/lookup.js';
import { audienceRefusal } from '../policy/audience.js';
import { firstMatch, type CompiledPolicies } from '../policy/compile.js';
import type { PolicyRule } from '../policy/parse.js';
import { decideCanonical, HTCONDOR_UNMAPPED, type Outcomes } from './canonical.js';
import type { Decision, TokenSummary } from './decision.js';
import { accountRefusal, arcAnswer, ceIdentities, groupRefusal, htcondorAnswer, type Ce } from './identity.js';
import type { Accounts, PoolAnswer } from '../accounts/accounts.js';
import { describeBan, findBan } from '../accounts/ban-list.js';
import type { PoolDef } from '../accounts/pool-def.js';
import type { RuleSet, RuleSource } from './rule-set.js';
import type { Verification } from '../tokens/verification.js';
import { decidingTracer, type Outcome, type Tracer } from './trace.js';
import { arc6AudienceRefusal } from './arc6-audience.js';

/** What an evaluation takes besides the rules and the claims. */
export interface EvaluateOptions {
  /** Unix seconds. */
  now: number;
  /** Where steps go: every rule considered (explain), or only the deciding one (the default). */
  tracer?: Tracer;
  /** Tells a caller that interrupts the evaluation which map line was running. */
  probe?: LookupProbe;
  /** The CE whose callout asks: a mapped Decision then carries its checked answer, or is an error. */
  ce?: Ce;
  /**
   * Describe the token in the Decision (profile, time state, what the token checks say even where they
   * are off), with what the input adapter knows: the signature's state and its notes (explain).
   */
  describe?: { signature: string; notes: readonly string[]; verification?: Verification };
  /**
   * The site's accounts: ban lists and pool leases. Without it, a RuleSet that has ban lists or pools
   * fails its decisions (fail closed).
   */
  accounts?: Accounts;
  /** Dry run (explain, fixtures): look at pool leases, take none. */
  peekPools?: boolean;
}

/**
 * A token that fails verification is not mapped, whatever the rules say (the CE would refuse it first):
 * rejected is a decline naming the code; a token that is not a JWS tokenmap can check (TOKEN_MALFORMED)
 * is malformed input, and keys that cannot be had are unusable input: both errors (exit 2, tokens.md §2).
 */
function verified(d: Verdict, v: Verification): Verdict {
  if (v.result === 'rejected' && v.code === 'TOKEN_MALFORMED')
    return { result: 'error', code: 'TOKEN_INVALID', reason: `token malformed (${v.code}): ${v.message}` };
  if (v.result === 'rejected')
    return {
      result: 'declined',
      reason:
        `token rejected (${v.code}): ${v.message}` +
        (d.result === 'mapped' ? `; the rules alone would have ${d.reason}` : ''),
    };
  if (v.result === 'unavailable') return { result: 'error', code: 'KEYS_UNAVAILABLE', reason: v.message ?? '' };
  return d;
}

/** How a rule is named in traces and messages: where it is, and which it is. */
const ruleName = (rule: PolicyRule) => (rule.kind === 'mapping' ? `[mappings] ${rule.name}` : `[rule ${rule.name}]`);

type Verdict = Omit<Decision, 'trace' | 'notes' | 'token'>;

class Evaluation implements Outcomes {
  readonly notes: string[];
  readonly tracer: Tracer;
  constructor(
    readonly rules: RuleSet,
    readonly c: Claims,
    readonly opts: EvaluateOptions,
  ) {
    this.notes = [...rules.notes];
    this.tracer = opts.tracer ?? decidingTracer();
  }

  step(source: string, outcome: Outcome, why: string, pos?: SourcePos, name?: string): void {
    this.tracer.step({ pos, name, source, outcome, why });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  done(verdict: Verdict): Decision {
    const c = this.c;
    const v = this.opts.describe?.verification;
    const d = v ? verified(verdict, v) : verdict;
    let token: TokenSummary = { source: c.source, iss: c.iss, sub: c.sub ?? c.arcSubject };
    const notes = this.notes;
    const describe = this.opts.describe;
    if (describe) {
      const skew = this.rules.tokenChecks?.skew ?? DEFAULT_SKEW_S;
      const check = checkToken(c, { now: this.opts.now, skew });
      token = {
        ...token,
        profile: check.profile,
        state: tokenState(c, this.opts.now),
        signature: describe.signature,
        rejections: check.rejections,
      };
      notes.unshift(...describe.notes);
      if (!this.rules.tokenChecks && check.rejections.length)
        notes.push(
          'token checks are off for -c / --mapfile runs (the CE checks tokens); ' +
            `a site configuration would reject it: ${check.rejections.join('; ')}`,
        );
    }
    if (v) {
      const { notes: verifyNotes, ...verification } = v;
      notes.push(...(verifyNotes ?? []));
      return { ...d, token, verification, trace: this.tracer.steps(), notes };
    }
    return { ...d, token, trace: this.tracer.steps(), notes };
  }

  error(code: ErrorCode, reason: string, rule?: string): Decision {
    return this.done({ result: 'error', code, reason, rule });
  }

  declined(reason: string, htcondor?: string): Decision {
    return this.done({ result: 'declined', reason, htcondor });
  }

  /** A mapping, checked, in each CE's form; the asking CE's answer is checked here too. */
  mapped(account: string, group: string | undefined, domain: string, rule: string): Decision {
    const ids = ceIdentities(account, group, domain);
    const ce = this.opts.ce;
    const answer =
      ce === 'htcondor' ? htcondorAnswer(ids.htcondor, this.rules.uidDomain) : ce === 'arc' ? arcAnswer(ids.arc) : null;
    if (answer && !answer.ok) return this.error('UNSAFE_IDENTITY', answer.refusal);
    return this.done({
      result: 'mapped',
      reason: `mapped by ${rule}`,
      account,
      group,
      ...ids,
      ...(answer ? { answer: answer.text } : {}),
      rule,
    });
  }

  /** A policy rule decided: an account (checked), a pool, or a deny. */
  fromRule(rule: PolicyRule, label: string): Decision {
    const where = `${formatPos(rule.pos)} (${ruleName(rule)})`;
    const result = rule.kind === 'mapping' ? { account: rule.name } : rule.result;
    if ('deny' in result) return this.error('DENIED', `denied by ${where}: ${result.deny}`, where);
    if ('pool' in result) return this.fromPool(result.pool, where, label);
    const identity = this.rules.identity;
    const refusal =
      accountRefusal(result.account, identity) ?? (result.group ? groupRefusal(result.group, identity) : null);
    if (refusal) return this.error('UNSAFE_IDENTITY', `${refusal}; rule ${where}`, where);
    return this.mapped(result.account, result.group, this.rules.uidDomain, where);
  }

  /** A rule maps to a pool: the accounts service leases (or, in a dry run, looks up) the account. */
  fromPool(name: string, where: string, label: string): Decision {
    const pool = this.rules.pools.get(name) as PoolDef;
    const accounts = this.opts.accounts;
    if (!accounts)
      return this.error('POOL_IO', `pool ${name}: this evaluation has no access to lease directories`, where);
    const a: PoolAnswer = accounts.pool(pool, this.c, this.opts.peekPools ?? false);
    if (a.result === 'no-key')
      return this.error(
        'POOL_KEY',
        `pool ${name} keys its leases on ${pool.key.join(' ')}, and the token has no ${a.missing.join(', ')}` +
          (a.missing.includes('iss') || a.missing.includes('sub') ? ' (ARC 6 passes only %D: use key = subject)' : ''),
        where,
      );
    if (a.result === 'exhausted')
      return this.error(
        'POOL_EXHAUSTED',
        `pool ${name} exhausted (${a.leased} of ${a.total} leased${a.busy ? `, ${a.busy} being taken` : ''})`,
        where,
      );
    const source = `pool ${name}`;
    if (a.result === 'none') {
      const free = a.total - a.leased;
      this.step(source, 'matched', `no lease yet; ${free} of ${a.total} accounts free`, pool.pos);
      return this.done({
        result: 'mapped',
        reason:
          `mapped by ${where} to pool ${name}: a callout would lease one of its ${free} free accounts ` +
          `(${free ? '' : 'none now: only a lease unused for lease_days; '}a dry run takes no lease)`,
        rule: where,
        lease: { pool: name, event: 'would-lease', holder: a.holder },
      });
    }
    const event = a.result;
    const previous = a.result === 're-leased' ? a.previous : undefined;
    const what =
      event === 'leased'
        ? 'a new lease'
        : event === 're-leased'
          ? 'the lease unused longest, taken from its holder'
          : event === 'held'
            ? 'its lease (a dry run does not renew it)'
            : 'its lease, renewed';
    this.step(source, 'matched', `${a.account}: ${what}`, pool.pos);
    const refusal =
      accountRefusal(a.account, this.rules.identity) ??
      (pool.group ? groupRefusal(pool.group, this.rules.identity) : null);
    if (refusal) return this.error('UNSAFE_IDENTITY', `${refusal}; pool ${name} (${label})`, where);
    const d = this.mapped(a.account, pool.group, this.rules.uidDomain, where);
    return d.result === 'mapped' ? { ...d, lease: { pool: name, event, holder: a.holder, previous } } : d;
  }

  /** Ban lists, read now, before any rule: a banned identity or revoked token is an error (exit 2). */
  banned(): Decision | null {
    const files = this.rules.banFiles;
    if (files.length === 0) return null;
    if (!this.opts.accounts)
      return this.error('BANS_UNREADABLE', 'ban lists are configured, and this evaluation cannot read them');
    const ban = findBan(this.opts.accounts.bans(files), this.c);
    if (!ban) {
      if (this.tracer.everyRule) this.step(files.join(', '), 'no-match', 'no ban list entry refuses this token');
      return null;
    }
    const why = describeBan(ban);
    this.step(ban.pos.file, 'matched', why, ban.pos, 'ban');
    return this.error('BANNED', why, formatPos(ban.pos));
  }

  policies(p: CompiledPolicies, label: string): PolicyRule | null {
    const visit = this.tracer.everyRule
      ? (rule: PolicyRule, m: { ok: boolean; why: string }) =>
          this.step(label, m.ok ? 'matched' : 'no-match', m.why, rule.pos, ruleName(rule))
      : undefined;
    const hit = firstMatch(p, this.c, { audience: this.rules.audience }, visit);
    if (hit && !visit) this.step(label, 'matched', hit.match.why, hit.rule.pos, ruleName(hit.rule));
    return hit?.rule ?? null;
  }

  handOver(policies: CompiledPolicies, name: string, pos: SourcePos, label: string): Decision | null {
    this.step(label, 'matched', `hands over to plugin ${name}`, pos);
    const rule = this.policies(policies, `plugin ${name}`);
    return rule ? this.fromRule(rule, `plugin ${name}`) : null;
  }

  mapfile(label: string, source: RuleSource & { kind: 'mapfile' }): Decision | null {
    const c = this.c;
    if (c.iss === undefined || c.sub === undefined) {
      this.step(label, 'skipped', 'a map file needs <iss>,<sub>; ARC 6 passes only <iss>/<sub>, which is never split');
      return null;
    }
    const principal = binaryFromText(`${c.iss},${c.sub}`);
    const probe: LookupProbe = this.opts.probe ?? { entry: null, dropped: [] };
    const everyRule = this.tracer.everyRule;
    const m = everyRule
      ? lookupTrace(
          source.map.map,
          'SCITOKENS',
          principal,
          (e, ok) =>
            this.step(
              label,
              ok ? 'matched' : 'no-match',
              ok ? `matches ${JSON.stringify(`${c.iss},${c.sub}`)}` : 'principal does not match',
              e.record.pos,
            ),
          probe,
        )
      : lookup(source.map.map, 'SCITOKENS', principal, probe);
    for (const issue of probe.dropped) this.notes.push(`${formatPos(issue.pos)}: ${issue.message}`);
    probe.dropped.length = 0;
    probe.entry = null;
    if (!m) {
      if (!everyRule) this.step(label, 'no-match', `no SCITOKENS line matches ${JSON.stringify(`${c.iss},${c.sub}`)}`);
      else this.slashHint(source.map.map, c.iss, c.sub);
      return null;
    }
    const pos = m.entry.record.pos;
    const canonical = textFromBinary(m.canonical);
    if (!everyRule) this.step(label, 'matched', `canonical name ${JSON.stringify(canonical)}`, pos);
    return decideCanonical(canonical, pos, label, this);
  }
  /** explain: a map line that would match if the issuer's trailing slash were spelled the other way. */
  slashHint(map: CompiledMap, iss: string, sub: string): void {
    const other = iss.endsWith('/') ? iss.slice(0, -1) : `${iss}/`;
    try {
      const m = lookup(map, 'SCITOKENS', binaryFromText(`${other},${sub}`));
      if (m)
        this.notes.push(
          `${formatPos(m.entry.record.pos)} would match if the issuer were ${JSON.stringify(other)}: ` +
            "the token's iss differs only by a trailing slash, which counts",
        );
    } catch {
      // an unsupported entry on the other spelling's path: no hint
    }
  }

  run(): Decision {
    const { rules: p, c } = this;
    const ban = this.banned();
    if (ban) return ban;
    if (p.tokenChecks && c.source !== 'subject') {
      const check = checkToken(c, { now: this.opts.now, skew: p.tokenChecks.skew });
      this.notes.push(...check.notes);
      if (check.rejections.length) return this.declined(`token rejected: ${check.rejections.join('; ')}`);
    }
    // ARC 6 hands over only %D: a configured gate is never skipped silently (the rule set's notes say so).
    if (p.audience.enforce && c.source === 'subject' && !p.audience.arc6Unchecked)
      return this.error('AUDIENCE_UNCHECKABLE', arc6AudienceRefusal(p.origin));
    if (p.audience.enforce && c.iss !== undefined) {
      const missingOk = p.audience.missingOkIssuers.includes(c.iss);
      const refusal = audienceRefusal(c, { ...p.audience, missingOk }, 'the site audience policy');
      if (refusal) return this.declined(`token rejected: ${refusal}`);
    }
    for (const source of p.sources) {
      if (source.kind === 'mapfile') {
        const d = this.mapfile(source.label, source);
        if (d) return d;
        continue;
      }
      const rule = this.policies(source.policies, source.label);
      if (rule) return this.fromRule(rule, source.label);
      if (!this.tracer.everyRule) this.step(source.label, 'no-match', 'no rule matches');
    }
    return this.declined(
      'no rule maps this token',
      p.sources.some((s) => s.kind === 'mapfile') ? undefined : HTCONDOR_UNMAPPED,
    );
  }
}

/** Decides one token with a RuleSet; safe to call any number of times, concurrently, in one process. */
export function evaluate(rules: RuleSet, c: Claims, opts: EvaluateOptions): Decision {
  return new Evaluation(rules, c, opts).run();
}
