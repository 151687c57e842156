/**
 * `tokenmap explain`: the dry run. The token's claims and state, every rule considered in order with why
 * it matched or not, and the result as each CE would see it. `--json` prints the Decision
 * (schemas/decision.schema.json).
 */
import { readFileSync } from 'node:fs';
import { systemErrorText, TokenmapError } from '../errors.js';
import type { Claims } from '../claims/claims.js';
import { decodeJwt } from '../claims/from-jwt.js';
import { claimsFromPayload } from '../claims/from-payload.js';
import { checkToken } from '../claims/validate.js';
import { DEFAULT_SKEW_S } from '../config/config.js';
import type { Decision } from '../engine/decision.js';
import { discoverToken } from '../tokens/discover.js';
import { boundedEvaluate, preparePipeline, type EvalOptions } from './evaluation.js';
import { EXIT_NO, EXIT_OK, reportFailure } from './fail.js';
import type { CliIo } from './io.js';

export interface ExplainOptions extends EvalOptions {
  tokenFile?: string;
  claims?: string;
  json?: boolean;
  at?: string;
}

export function parseTime(value: string): number {
  const t = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (!Number.isFinite(t))
    throw new TokenmapError('USAGE', `--at: not a time (Unix seconds or an ISO 8601 date): ${JSON.stringify(value)}`);
  return t;
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TokenmapError('INPUT_UNREADABLE', `cannot read ${what} (${systemErrorText(e)})`, { file: path, line: 0 });
  }
}

function duration(s: number): string {
  const a = Math.abs(Math.round(s));
  if (a < 120) return `${a} s`;
  if (a < 7200) return `${Math.round(a / 60)} min`;
  if (a < 172800) return `${Math.round(a / 3600)} h`;
  return `${Math.round(a / 86400)} d`;
}

function tokenState(c: Claims, now: number): string {
  if (!c.hasTimes) return 'unknown (no time claims)';
  if (c.nbf !== undefined && c.nbf > now) return `not yet valid (valid in ${duration(c.nbf - now)})`;
  if (c.exp === undefined) return 'no expiry (exp missing)';
  return now >= c.exp ? `expired ${duration(now - c.exp)} ago` : `valid, expires in ${duration(c.exp - now)}`;
}

function input(
  args: string[],
  opts: ExplainOptions,
  io: CliIo,
): { claims: Claims; signature: string; notes: string[] } {
  if (opts.claims)
    return {
      claims: claimsFromPayload(readFile(opts.claims, 'claims file'), 'claims-file'),
      signature: 'none: a claims set, not a token',
      notes: [],
    };
  let token = args[0];
  const notes: string[] = [];
  if (!token && opts.tokenFile) token = readFile(opts.tokenFile, 'token file').toString('latin1').trim();
  if (!token) {
    const found = discoverToken(io.env, process.geteuid?.() ?? 0);
    notes.push(`token from ${found.source} (WLCG Bearer Token Discovery)`, ...found.warnings);
    token = found.token;
  }
  const { header, claims } = decodeJwt(token);
  const alg = typeof header.alg === 'string' ? header.alg : '?';
  return {
    claims,
    signature: `not verified (alg ${alg}, kid ${JSON.stringify(header.kid ?? null)}): this version decodes tokens without checking signatures`,
    notes,
  };
}

function renderText(c: Claims, d: Decision, now: number): string {
  const lines: string[] = [];
  const row = (k: string, v: string | undefined) => v !== undefined && v !== '' && lines.push(`${k.padEnd(13)}${v}`);
  row('input', c.source);
  row('signature', d.token?.signature);
  row('issuer', c.iss);
  row('subject', c.sub ?? c.arcSubject);
  row('voperson_id', c.vopersonId);
  row('audience', c.audPresent ? c.aud.join(' ') : '(none)');
  row('scopes', c.scopes.join(' '));
  row('wlcg.groups', c.groups.join(' '));
  row(
    'entitlements',
    c.entitlements.map((e) => e.raw + (e.fromScope ? ' (requested by scope)' : '')).join('\n' + ' '.repeat(13)),
  );
  row('profile', d.token?.profile);
  row('state', tokenState(c, now));
  lines.push('', 'rules, in order:');
  for (const s of d.trace)
    lines.push(
      `  ${s.outcome.padEnd(9)} ${s.rule}${s.source && !s.rule.startsWith(s.source) ? `  [${s.source}]` : ''}\n            ${s.why}`,
    );
  lines.push('', `result       ${d.result}: ${d.reason}`);
  if (d.result === 'mapped' || d.htcondor) row('HTCondor', d.htcondor);
  if (d.result === 'mapped') row('ARC', d.arc);
  if (d.notes.length) lines.push('', 'notes:', ...d.notes.map((n) => `  - ${n}`));
  return lines.join('\n') + '\n';
}

export async function runExplain(
  args: string[],
  opts: ExplainOptions,
  io: CliIo,
  argv: readonly string[],
): Promise<number> {
  const nowMs = opts.at ? parseTime(opts.at) : io.now();
  const prepared = preparePipeline(opts, argv, io);
  const { claims, signature, notes } = input(args, opts, io);
  const decision = boundedEvaluate(prepared.pipeline, claims, nowMs, prepared.settings.deadline * 1000, true);
  const check = checkToken(claims, { now: nowMs / 1000, skew: prepared.pipeline.tokenChecks?.skew ?? DEFAULT_SKEW_S });
  decision.token = {
    ...decision.token,
    profile: check.profile,
    state: tokenState(claims, nowMs / 1000),
    signature,
    rejections: check.rejections,
  };
  decision.notes.unshift(...notes);
  if (!prepared.pipeline.tokenChecks && check.rejections.length)
    decision.notes.push(
      `token checks are off for -c / --mapfile runs (the CE checks tokens); a site configuration would reject it: ${check.rejections.join('; ')}`,
    );
  io.out(opts.json ? JSON.stringify(decision, null, 2) + '\n' : renderText(claims, decision, nowMs / 1000));
  if (decision.result === 'error')
    return reportFailure(io, new TokenmapError(decision.code ?? 'ERROR', decision.reason));
  return decision.result === 'mapped' ? EXIT_OK : EXIT_NO;
}
