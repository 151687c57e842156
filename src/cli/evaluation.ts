/**
 * What the evaluating commands share: building the RuleSet from --config or the rule-source flags,
 * running an evaluation under the deadline, and the audit line.
 */
import { systemErrorText, TokenmapError } from '../errors.js';
import type { Claims } from '../claims/claims.js';
import {
  DEFAULT_REGEX_BUDGET_S,
  loadSiteConfig,
  resolveConfigPath,
  type Settings,
  type SourceRef,
} from '../config/config.js';
import {
  BudgetExceeded,
  DeadlineExceeded,
  HandedBack,
  measuredBound,
  processCpuMs,
  runBudgeted,
  type Bound,
} from '../engine/bounded.js';
import { manyItems, needsWatchdog } from '../engine/needs-watchdog.js';
import { decisionError, errorDecision, type Decision } from '../engine/decision.js';
import { evaluate, type EvaluateOptions } from '../engine/evaluate.js';
import type { Ce } from '../engine/identity.js';
import { buildRuleSet, requireRules, type RuleSet } from '../engine/rule-set.js';
import type { RuleSetProvider, RuleSetRequest } from '../engine/rule-set-provider.js';
import type { FileReader } from '../io/reader.js';
import type { LookupProbe } from '../mapfile/lookup.js';
import { nodeAccounts } from '../accounts/node-accounts.js';
import type { BanSource } from '../accounts/ban-list.js';
import { nodeReader } from '../io/node-reader.js';
import { auditRecord, openAuditLog, type AuditLog } from '../audit/log.js';
import { EXIT_NO, EXIT_OK, reportFailure } from './fail.js';
import type { CliIo } from '../io/cli-io.js';
import type { TokenSettings } from '../tokens/settings.js';

export interface EvalOptions {
  config?: string;
  policy?: string[];
  mapfile?: string[];
  regexKeys?: boolean;
  uidDomain?: string;
  deadline?: number;
}

/** The rule-source flags in argv order (commander keeps each option's values, not their interleaving). */
export function orderedSources(argv: readonly string[]): SourceRef[] {
  const out: SourceRef[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    const m = /^(-c|--policy|--mapfile)(?:=(.*))?$/.exec(a);
    if (!m) continue;
    const path = m[2] ?? argv[++i];
    if (path !== undefined) out.push({ kind: m[1] === '--mapfile' ? 'mapfile' : 'policy', path });
  }
  return out;
}

/**
 * The rule-source flags of this command line, refusing them next to an explicit --config: the flags
 * replace the configuration, and with it the audit log, the ban lists and the [audience] gate, so taking
 * either silently could evaluate fewer checks than the admin wrote (a usage error, exit 2). A configuration
 * that is only the default ($TOKENMAP_CONFIG, /etc/tokenmap/tokenmap.ini) is replaced by the flags.
 */
export function sourceFlags(opts: { config?: string }, argv: readonly string[]): SourceRef[] {
  const flags = orderedSources(argv);
  if (opts.config !== undefined && flags.length > 0)
    throw new TokenmapError(
      'USAGE',
      `--config and ${flags[0]?.kind === 'mapfile' ? '--mapfile' : '-c/--policy'} given together: ` +
        'the flags would replace the configuration (its audit log, bans and [audience] gate); give one or the other',
    );
  return flags;
}

/**
 * The RuleSet of this command line (the rule-source flags when there are any, else the configuration),
 * and the configuration's [tokens] settings; null for flag runs, which read no configuration.
 */
export function commandSetup(
  opts: EvalOptions,
  argv: readonly string[],
  io: CliIo,
): { rules: RuleSet; tokens: TokenSettings | null } {
  const flags = sourceFlags(opts, argv);
  const overrides = { uidDomain: opts.uidDomain, deadline: opts.deadline };
  if (flags.length > 0)
    return { rules: buildRuleSet({ flags, regexKeys: opts.regexKeys, ...overrides }, nodeReader), tokens: null };
  const config = loadSiteConfig(resolveConfigPath(opts.config, io.env), nodeReader);
  return { rules: buildRuleSet({ config, ...overrides }, nodeReader), tokens: config.tokens };
}

/**
 * What a long-lived process adds to a command's io: rules it compiled once (absent, the command builds
 * them), and a look at each Decision reached (the service's metrics).
 */
export interface CalloutHooks {
  rules?: RuleSetProvider;
  decided?: (d: Decision) => void;
  /**
   * How the evaluation is bounded (runBudgeted, node:vm, by default). The service's evaluator thread runs
   * it as it is: the service's main thread times that thread and terminates it (src/serve/evaluator.ts).
   */
  bound?: Bound;
  /** Where the ban lists come from (serve: parsed once per version of each file, serve/ban-cache.ts). */
  bans?: BanSource;
}

/** The RuleSet of this command line: the rule-source flags when there are any, else the configuration. */
export function commandRuleSet(opts: EvalOptions, argv: readonly string[], io: CliIo & CalloutHooks): RuleSet {
  const flags = sourceFlags(opts, argv);
  const overrides = { uidDomain: opts.uidDomain, deadline: opts.deadline };
  const request: RuleSetRequest =
    flags.length > 0
      ? { flags, regexKeys: opts.regexKeys === true, ...overrides }
      : { configPath: resolveConfigPath(opts.config, io.env), ...overrides };
  const build = (reader: FileReader) =>
    'flags' in request
      ? buildRuleSet(request, reader)
      : buildRuleSet({ config: loadSiteConfig(request.configPath, reader), ...overrides }, reader);
  return io.rules ? io.rules(request, build) : build(nodeReader);
}

/**
 * Evaluates under what is left of the deadline and the matching budget, CPU time like PCRE2's match limit
 * (which stops HTCondor in about 0.1 s; `[limits] regex_budget`); running out of either is a typed error
 * (exit 2) naming the map line that was running.
 */
export function boundedEvaluate(
  rules: RuleSet,
  claims: Claims,
  nowMs: number,
  msLeft: number,
  opts: Omit<EvaluateOptions, 'now' | 'probe'> = {},
  bound: Bound = runBudgeted,
): Decision {
  if (msLeft <= 0) throw new TokenmapError('DEADLINE', 'the deadline passed before the evaluation started');
  const probe: LookupProbe = { entry: null, dropped: [] };
  // Taking a pool lease waits for other takers inside the evaluation: only the deadline bounds that.
  const budget = rules.pools.size > 0 ? Infinity : (rules.settings.regexBudget ?? DEFAULT_REGEX_BUDGET_S) * 1000;
  try {
    return bound(() => evaluate(rules, claims, { ...opts, now: nowMs / 1000, probe }), msLeft, budget);
  } catch (e) {
    if (e instanceof BudgetExceeded)
      throw new TokenmapError(
        'REGEX_BUDGET',
        `matching ran past its budget of ${budget} ms of CPU time ([limits] regex_budget)` +
          (probe.entry
            ? ' in this map line: a catastrophic regular expression (PCRE2 would stop at its match limit)'
            : needsWatchdog(rules)
              ? ''
              : ' (these rules run no configured regular expression: large ban lists or a large token)') +
          '; failing closed',
        probe.entry?.record.pos,
      );
    if (e instanceof DeadlineExceeded)
      throw new TokenmapError(
        'DEADLINE',
        `the decision exceeded the deadline (${Math.round(msLeft)} ms left)${probe.entry ? ' in this map line' : ''}`,
        probe.entry?.record.pos,
      );
    throw e;
  }
}

/**
 * The cold path's bound: the vm watchdog for rules whose evaluation may have to be stopped while it runs
 * (needsWatchdog) and for a token with many list items (manyItems); the others run to their end and are
 * held to the same bounds afterwards, as on the service's main thread, which spares a callout the
 * watchdog's script and thread (about 0.5 ms). CPU time is the process's: V8's helper threads count
 * against the decision too, which is stricter.
 */
const coldBound = (rules: RuleSet, claims: Claims): Bound =>
  needsWatchdog(rules) || manyItems(claims) ? runBudgeted : measuredBound(processCpuMs);

const auditError = (path: string, e: unknown) =>
  new TokenmapError('AUDIT_UNWRITABLE', `cannot append to the audit log (${systemErrorText(e)})`, {
    file: path,
    line: 0,
  });

/** The callout's audit log, opened first: one that cannot be opened fails the callout before any answer. */
function openAudit(settings: Settings): AuditLog | null {
  if (!settings.auditLog) return null;
  try {
    return openAuditLog(settings.auditLog);
  } catch (e) {
    throw auditError(settings.auditLog, e);
  }
}

/** Appends the audit line; a line that cannot be written whole fails the callout (fail closed). */
export function audit(
  log: AuditLog | null,
  ce: Ce,
  claims: Claims | undefined,
  d: Decision,
  io: CliIo,
  started: number,
): void {
  if (!log) return;
  try {
    log.append(auditRecord(ce, claims, d, io.now(), io.now() - started));
  } catch (e) {
    throw auditError(log.path, e);
  }
}

/**
 * One callout: load the rules, open the audit log, read the claims, decide under the deadline, answer,
 * audit. Every failure, before or after the claims are known, is audited and becomes exit 2 (fail closed).
 * The identity is audited as mapped only once it was written: one nobody received is audited as an error.
 */
export async function runCallout(
  ce: Ce,
  opts: EvalOptions,
  io: CliIo & CalloutHooks,
  argv: readonly string[],
  readClaims: (rules: RuleSet, started: number) => Promise<Claims> | Claims,
): Promise<number> {
  const started = io.now();
  const rules = commandRuleSet(opts, argv, io);
  requireRules(rules);
  const log = openAudit(rules.settings);
  try {
    let claims: Claims | undefined;
    let decision: Decision;
    try {
      claims = await readClaims(rules, started);
      const msLeft = rules.settings.deadline * 1000 - (io.now() - started);
      // Waiting out other takers of a pool gets half of what is left; the rest answers.
      const accounts = nodeAccounts(nodeReader, io.env, msLeft / 2, io.bans);
      const bound = io.bound ?? coldBound(rules, claims);
      decision = boundedEvaluate(rules, claims, io.now(), msLeft, { ce, accounts }, bound);
      if (decision.result === 'mapped') io.out(decision.answer ?? '');
    } catch (e) {
      // A decision handed to the cold path is audited there, once.
      if (!(e instanceof HandedBack)) audit(log, ce, claims, errorDecision(e), io, started);
      throw e;
    }
    audit(log, ce, claims, decision, io, started);
    io.decided?.(decision);
    if (decision.result === 'mapped') return EXIT_OK;
    if (decision.result === 'declined') return EXIT_NO;
    return reportFailure(io, decisionError(decision));
  } finally {
    log?.close();
  }
}
