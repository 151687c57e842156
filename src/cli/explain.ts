/**
 * `tokenmap explain`: the dry run. The token's claims and state, every rule considered in order with why
 * it matched or not, and the result as each CE would see it. `--json` prints the Decision
 * (schemas/decision.schema.json).
 */
import { readRegularFile } from '../io/regular-file.js';
import { printable } from '../bytes.js';
import { systemErrorText, TokenmapError } from '../errors.js';
import type { Claims } from '../claims/claims.js';
import { decodeJwt } from '../claims/from-jwt.js';
import { claimsFromPayload } from '../claims/from-payload.js';
import { decisionError, decisionJson, type Decision } from '../engine/decision.js';
import { fullTracer, stepRule } from '../engine/trace.js';
import { discoverToken } from '../tokens/discover.js';
import { boundedEvaluate, commandSetup, type EvalOptions } from './evaluation.js';
import { verifyForCommand, type TokenInput } from './verify-token.js';
import { describeVerification } from '../tokens/describe.js';
import { nodeAccounts } from '../accounts/node-accounts.js';
import { nodeReader } from '../io/node-reader.js';
import { EXIT_NO, EXIT_OK, reportFailure } from './fail.js';
import type { CliIo } from '../io/cli-io.js';

export interface ExplainOptions extends EvalOptions {
  tokenFile?: string;
  claims?: string;
  json?: boolean;
  at?: string;
  /** false with --no-verify. */
  verify?: boolean;
}

export function parseTime(value: string): number {
  const t = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (!Number.isFinite(t))
    throw new TokenmapError('USAGE', `--at: not a time (Unix seconds or an ISO 8601 date): ${JSON.stringify(value)}`);
  return t;
}

function readFile(path: string, what: string): Buffer {
  try {
    return readRegularFile(path);
  } catch (e) {
    throw new TokenmapError('INPUT_UNREADABLE', `cannot read ${what} (${systemErrorText(e)})`, { file: path, line: 0 });
  }
}

function input(
  args: string[],
  opts: ExplainOptions,
  io: CliIo,
): { claims: Claims; jws: TokenInput | null; notes: string[] } {
  if (opts.claims)
    return { claims: claimsFromPayload(readFile(opts.claims, 'claims file'), 'claims-file'), jws: null, notes: [] };
  let token = args[0];
  const notes: string[] = [];
  if (!token && opts.tokenFile) token = readFile(opts.tokenFile, 'token file').toString('latin1').trim();
  if (!token) {
    const found = discoverToken(io.env, process.geteuid?.() ?? 0);
    notes.push(`token from ${found.source} (WLCG Bearer Token Discovery)`, ...found.warnings);
    token = found.token;
  }
  const { header, claims } = decodeJwt(token);
  return { claims, jws: { token, header }, notes };
}

/** What the time checks shown here become under ARC, which hands tokenmap no numeric claims. */
const ARC_TIMES =
  'under ARC, tokenmap checks no token times: ARC 7 passes no exp, nbf or iat (ARC 6 only <iss>/<sub>); ' +
  'A-REX itself checks exp and nbf when present, with no leeway, and never iat';

/** Every value is printable()-escaped: claims, kids, rule texts and paths may hold terminal escapes. */
function renderText(c: Claims, d: Decision): string {
  const lines: string[] = [];
  const pad = ' '.repeat(13);
  const row = (k: string, v: string | readonly string[] | undefined) => {
    const text = typeof v === 'string' ? printable(v) : v?.map(printable).join(`\n${pad}`);
    if (text) lines.push(`${k.padEnd(13)}${text}`);
  };
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
    c.entitlements.map((e) => `${e.raw}  (${e.fromScope ? 'requested by scope' : e.claim})`),
  );
  row('profile', d.token?.profile);
  row('state', d.token?.state);
  lines.push('', 'rules, in order:');
  for (const s of d.trace) {
    const rule = stepRule(s);
    const source = s.source && !rule.startsWith(s.source) ? `  [${s.source}]` : '';
    lines.push(printable(`  ${s.outcome.padEnd(9)} ${rule}${source}`), printable(`            ${s.why}`));
  }
  lines.push('', printable(`result       ${d.result}: ${d.reason}`));
  if (d.result === 'mapped' || d.htcondor) row('HTCondor', d.htcondor);
  if (d.result === 'mapped') row('ARC', d.arc);
  if (d.notes.length) lines.push('', 'notes:', ...d.notes.map((n) => printable(`  - ${n}`)));
  return lines.join('\n') + '\n';
}

export async function runExplain(
  args: string[],
  opts: ExplainOptions,
  io: CliIo,
  argv: readonly string[],
): Promise<number> {
  const nowMs = opts.at ? parseTime(opts.at) : io.now();
  const { rules, tokens } = commandSetup(opts, argv, io);
  const { claims, jws, notes } = input(args, opts, io);
  const verification = await verifyForCommand(jws, tokens, rules, io, nowMs, opts.verify === false);
  if (claims.hasTimes && rules.tokenChecks) notes.push(ARC_TIMES);
  const decision = boundedEvaluate(rules, claims, nowMs, rules.settings.deadline * 1000, {
    tracer: fullTracer(),
    describe: { signature: describeVerification(verification), notes, verification },
    accounts: nodeAccounts(nodeReader, io.env, 0),
    peekPools: true,
  });
  io.out(opts.json ? JSON.stringify(decisionJson(decision), null, 2) + '\n' : renderText(claims, decision));
  if (decision.result === 'error') return reportFailure(io, decisionError(decision));
  return decision.result === 'mapped' ? EXIT_OK : EXIT_NO;
}
