/**
 * What the evaluating commands share: building the pipeline from --config or the rule-source flags,
 * running an evaluation under the deadline, and the audit line.
 */
import { systemErrorText, TokenmapError } from '../errors.js';
import type { Claims } from '../claims/claims.js';
import {
  loadConfig,
  resolveConfigPath,
  DEFAULT_DEADLINE_S,
  DEFAULT_STDIN_MAX,
  type Settings,
} from '../config/config.js';
import { DeadlineExceeded, runBounded } from '../engine/bounded.js';
import type { Decision } from '../engine/decision.js';
import { evaluate } from '../engine/evaluate.js';
import type { LookupProbe } from '../mapfile/lookup.js';
import { orderedSources, pipelineFromFlags } from '../engine/from-flags.js';
import type { Pipeline } from '../engine/pipeline.js';
import { nodeReader } from '../io/node-reader.js';
import { appendAudit, auditRecord } from '../audit/log.js';
import { EXIT_NO, EXIT_OK, reportFailure } from './fail.js';
import type { CliIo } from './io.js';

export interface EvalOptions {
  config?: string;
  policy?: string[];
  mapfile?: string[];
  regexKeys?: boolean;
  uidDomain?: string;
  deadline?: number;
}

export interface Prepared {
  pipeline: Pipeline;
  settings: Settings;
  /** Where the rules came from, for messages. */
  origin: string;
}

export function preparePipeline(opts: EvalOptions, argv: readonly string[], io: CliIo): Prepared {
  const flags = orderedSources(argv);
  if (flags.length > 0) {
    const pipeline = pipelineFromFlags(flags, nodeReader, { hashKeys: !opts.regexKeys, uidDomain: opts.uidDomain });
    return {
      pipeline,
      settings: { deadline: opts.deadline ?? DEFAULT_DEADLINE_S, stdinMax: DEFAULT_STDIN_MAX },
      origin: flags.map((f) => f.path).join(', '),
    };
  }
  const file = resolveConfigPath(opts.config, io.env);
  const loaded = loadConfig(file, nodeReader);
  if (opts.uidDomain) loaded.pipeline.uidDomain = opts.uidDomain;
  if (opts.deadline) loaded.settings.deadline = opts.deadline;
  return { pipeline: loaded.pipeline, settings: loaded.settings, origin: file };
}

/** Evaluates under what is left of the deadline; running out is a typed error (exit 2). */
export function boundedEvaluate(p: Pipeline, claims: Claims, now: number, msLeft: number, trace = false): Decision {
  if (msLeft <= 0) throw new TokenmapError('DEADLINE', 'the deadline passed before the evaluation started');
  const probe: LookupProbe = { entry: null, dropped: [] };
  try {
    return runBounded(() => evaluate(p, claims, { now: now / 1000, trace, probe }), msLeft);
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
  ce: 'htcondor' | 'arc',
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
  ce: 'htcondor' | 'arc',
  opts: EvalOptions,
  io: CliIo,
  argv: readonly string[],
  readClaims: (prepared: Prepared, started: number) => Promise<Claims> | Claims,
  render: (d: Decision, prepared: Prepared) => string,
): Promise<number> {
  const started = io.now();
  const prepared = preparePipeline(opts, argv, io);
  let claims: Claims | undefined;
  let decision: Decision;
  let answer = '';
  try {
    claims = await readClaims(prepared, started);
    decision = boundedEvaluate(
      prepared.pipeline,
      claims,
      io.now(),
      prepared.settings.deadline * 1000 - (io.now() - started),
    );
    if (decision.result === 'mapped') answer = render(decision, prepared);
  } catch (e) {
    if (e instanceof TokenmapError)
      audit(
        prepared.settings,
        ce,
        claims,
        { result: 'error', code: e.code, reason: e.describe(), trace: [], notes: [] },
        io,
        started,
      );
    throw e;
  }
  audit(prepared.settings, ce, claims, decision, io, started);
  if (decision.result === 'mapped') {
    io.out(answer);
    return EXIT_OK;
  }
  if (decision.result === 'declined') return EXIT_NO;
  return reportFailure(io, new TokenmapError(decision.code ?? 'ERROR', decision.reason));
}
