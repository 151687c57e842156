/**
 * What the evaluating commands share: building the RuleSet from --config or the rule-source flags,
 * running an evaluation under the deadline, and the audit line.
 */
import { systemErrorText, TokenmapError } from '../errors.js';
import type { Claims } from '../claims/claims.js';
import { loadSiteConfig, resolveConfigPath, type Settings, type SourceRef } from '../config/config.js';
import { DeadlineExceeded, runBounded } from '../engine/bounded.js';
import { decisionError, errorDecision, type Decision } from '../engine/decision.js';
import { evaluate, type EvaluateOptions } from '../engine/evaluate.js';
import type { Ce } from '../engine/identity.js';
import { buildRuleSet, type RuleSet } from '../engine/rule-set.js';
import type { RuleSetProvider, RuleSetRequest } from '../engine/rule-set-provider.js';
import type { FileReader } from '../io/reader.js';
import type { LookupProbe } from '../mapfile/lookup.js';
import { nodeAccounts } from '../accounts/node-accounts.js';
import { nodeReader } from '../io/node-reader.js';
import { appendAudit, auditRecord } from '../audit/log.js';
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
 * The RuleSet of this command line (the rule-source flags when there are any, else the configuration),
 * and the configuration's [tokens] settings; null for flag runs, which read no configuration.
 */
export function commandSetup(
  opts: EvalOptions,
  argv: readonly string[],
  io: CliIo,
): { rules: RuleSet; tokens: TokenSettings | null } {
  const flags = orderedSources(argv);
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
}

/** The RuleSet of this command line: the rule-source flags when there are any, else the configuration. */
export function commandRuleSet(opts: EvalOptions, argv: readonly string[], io: CliIo & CalloutHooks): RuleSet {
  const flags = orderedSources(argv);
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

/** Evaluates under what is left of the deadline; running out is a typed error (exit 2). */
export function boundedEvaluate(
  rules: RuleSet,
  claims: Claims,
  nowMs: number,
  msLeft: number,
  opts: Omit<EvaluateOptions, 'now' | 'probe'> = {},
): Decision {
  if (msLeft <= 0) throw new TokenmapError('DEADLINE', 'the deadline passed before the evaluation started');
  const probe: LookupProbe = { entry: null, dropped: [] };
  try {
    return runBounded(() => evaluate(rules, claims, { ...opts, now: nowMs / 1000, probe }), msLeft);
  } catch (e) {
    if (e instanceof DeadlineExceeded)
      throw new TokenmapError(
        'DEADLINE',
        `the decision exceeded the deadline (${Math.round(msLeft)} ms left)${probe.entry ? ' in this map line' : ''}`,
        probe.entry?.record.pos,
      );
    throw e;
  }
}

/** Appends the audit line; an audit log that cannot be written fails the callout (fail closed). */
export function audit(
  settings: Settings,
  ce: Ce,
  claims: Claims | undefined,
  d: Decision,
  io: CliIo,
  started: number,
): void {
  if (!settings.auditLog) return;
  try {
    appendAudit(settings.auditLog, auditRecord(ce, claims, d, io.now(), io.now() - started));
  } catch (e) {
    throw new TokenmapError('AUDIT_UNWRITABLE', `cannot append to the audit log (${systemErrorText(e)})`, {
      file: settings.auditLog,
      line: 0,
    });
  }
}

/**
 * One callout: load the rules, read the claims, decide under the deadline, audit, answer. Every failure,
 * before or after the claims are known, is audited and becomes exit 2 (fail closed).
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
  let claims: Claims | undefined;
  let decision: Decision;
  try {
    claims = await readClaims(rules, started);
    const msLeft = rules.settings.deadline * 1000 - (io.now() - started);
    // Waiting out other takers of a pool gets half of what is left; the rest answers.
    const accounts = nodeAccounts(nodeReader, io.env, msLeft / 2);
    decision = boundedEvaluate(rules, claims, io.now(), msLeft, { ce, accounts });
  } catch (e) {
    if (e instanceof TokenmapError) audit(rules.settings, ce, claims, errorDecision(e), io, started);
    throw e;
  }
  audit(rules.settings, ce, claims, decision, io, started);
  io.decided?.(decision);
  if (decision.result === 'mapped') {
    io.out(decision.answer ?? '');
    return EXIT_OK;
  }
  if (decision.result === 'declined') return EXIT_NO;
  return reportFailure(io, decisionError(decision));
}
