/**
 * `tokenmap explain`: the dry run. The token's claims and state, every rule considered in order with why
 * it matched or not, and the result as each CE would see it. `--json` prints the Decision
 * (schemas/decision.schema.json).
 */
import { printable } from '../bytes.js';
import { TokenmapError } from '../errors.js';
import type { Claims } from '../claims/claims.js';
import { decisionError, errorDecision, type Decision } from '../engine/decision.js';
import { fullTracer, stepRule } from '../engine/trace.js';
import { boundedEvaluate, commandSetup, type EvalOptions } from './evaluation.js';
import { verifyForCommand } from './verify-token.js';
import { describeVerification } from '../tokens/describe.js';
import { nodeAccounts } from '../accounts/node-accounts.js';
import { nodeReader } from '../io/node-reader.js';
import { EXIT_NO, EXIT_OK, reportFailure } from './fail.js';
import type { CliIo } from '../io/cli-io.js';
import { chooseInput, readInput, type InputOptions, type InputSource } from './explain-input.js';
import { explainDocument, type Known } from './explain-document.js';
import { DiscoveryFailure } from '../tokens/discover.js';

export interface ExplainOptions extends EvalOptions, InputOptions {
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

/** What the time checks shown here become under ARC, which hands tokenmap no numeric claims. */
const ARC_TIMES =
  'under ARC, tokenmap checks no token times: ARC 7 passes no exp, nbf or iat (ARC 6 only <iss>/<sub>); ' +
  'A-REX itself checks exp and nbf when present, with no leeway, and never iat';

/** Every value is printable()-escaped: claims, kids, rule texts and paths may hold terminal escapes. */
function renderText(c: Claims, source: InputSource, d: Decision): string {
  const lines: string[] = [];
  const pad = ' '.repeat(13);
  const row = (k: string, v: string | readonly string[] | undefined) => {
    const text = typeof v === 'string' ? printable(v) : v?.map(printable).join(`\n${pad}`);
    if (text) lines.push(`${k.padEnd(13)}${text}`);
  };
  row('input', describeInput(source, c));
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

/** The input as the text view names it. */
function describeInput(s: InputSource, c: Claims): string {
  switch (s.kind) {
    case 'argument':
      return 'TOKEN argument (compact JWT)';
    case 'token-file':
      return `token file ${s.path}`;
    case 'claims-file':
      return `claims file ${s.path}`;
    case 'stdin':
      return 'claims set on stdin';
    case 'arc-subject':
      return 'ARC 6 subject (%D): <iss>/<sub> only, no claims';
    case 'environment':
      return `BEARER_TOKEN_0_* environment (${c.source === 'env-arc' ? 'ARC 7' : 'HTCondor'})`;
    case 'discovery': {
      const where = s.step === 'BEARER_TOKEN_FILE' ? `${s.step} (${s.path})` : (s.path ?? s.step);
      return `WLCG Bearer Token Discovery: ${where}`;
    }
  }
}

async function decide(args: string[], opts: ExplainOptions, io: CliIo, argv: readonly string[], known: Known) {
  const started = io.now();
  const source = chooseInput(args, opts);
  known.source = source;
  const { rules, tokens } = commandSetup(opts, argv, io);
  const input = await readInput(source, args, opts, io, {
    cap: rules.settings.stdinMax,
    msLeft: () => rules.settings.deadline * 1000 - (io.now() - started),
  });
  known.source = input.source;
  known.claims = input.claims;
  const verification = await verifyForCommand(input.jws, tokens, rules, io, known.now * 1000, opts.verify === false);
  const notes = [...input.notes];
  if (input.claims.hasTimes && rules.tokenChecks) notes.push(ARC_TIMES);
  return boundedEvaluate(rules, input.claims, known.now * 1000, rules.settings.deadline * 1000, {
    tracer: fullTracer(),
    // ARC 6 (--arc-subject) and an environment are decided as their CE's callout decides them.
    ce: input.source.ce,
    describe: { signature: describeVerification(verification), notes, verification },
    accounts: nodeAccounts(nodeReader, io.env, 0),
    peekPools: true,
  });
}

/**
 * JSON text with every character a terminal could act on written as an escape: JSON.stringify escapes C0
 * controls, not C1, bidirectional overrides or line separators. Only strings can hold them, and an escape
 * there is the same string; the layout's own newlines stay.
 */
const safeJson = (doc: unknown) => JSON.stringify(doc, null, 2).split('\n').map(printable).join('\n') + '\n';

export async function runExplain(
  args: string[],
  opts: ExplainOptions,
  io: CliIo,
  argv: readonly string[],
): Promise<number> {
  const known: Known = { now: io.now() / 1000 };
  let decision: Decision;
  let failure: unknown;
  try {
    if (opts.at) known.now = parseTime(opts.at) / 1000;
    decision = await decide(args, opts, io, argv, known);
  } catch (e) {
    // Without --json an early failure is the stderr line alone; with it, stdout is still one document.
    if (!opts.json) throw e;
    if (e instanceof DiscoveryFailure) known.source = { kind: 'discovery', step: e.step, path: e.path };
    decision = errorDecision(e);
    failure = e;
  }
  if (opts.json) io.out(safeJson(explainDocument(decision, known)));
  else io.out(renderText(known.claims as Claims, known.source as InputSource, decision));
  if (decision.result === 'error') return reportFailure(io, failure ?? decisionError(decision));
  return decision.result === 'mapped' ? EXIT_OK : EXIT_NO;
}
