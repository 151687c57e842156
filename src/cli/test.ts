/**
 * `tokenmap test`: runs mapping fixtures against the configured rules (for site CI) and prints TAP 14.
 * Exit 0 when every case passes, 1 when any fails, 2 when a fixture file is invalid (naming the file and
 * the JSON path) or the rules cannot be loaded. Every fixture is read and checked before any case runs.
 */
import { nodeAccounts } from '../accounts/node-accounts.js';
import { TokenmapError } from '../errors.js';
import { runBounded } from '../engine/bounded.js';
import { loadFixture, parseTime, type Fixture, type FixtureCase } from '../fixtures/fixture.js';
import { actualOf, differences } from '../fixtures/compare.js';
import { decideCase } from '../fixtures/run-case.js';
import { renderTap, type CaseOutcome, type FileOutcome } from '../fixtures/tap.js';
import { nodeReader } from '../io/node-reader.js';
import type { CliIo } from '../io/cli-io.js';
import { commandSetup, type EvalOptions } from './evaluation.js';
import { verifyForCommand } from './verify-token.js';
import { decodeJwt } from '../claims/from-jwt.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { TokenSettings } from '../tokens/settings.js';
import type { Verification } from '../tokens/verification.js';
import { EXIT_NO, EXIT_OK } from './fail.js';

export interface TestOptions extends EvalOptions {
  at?: string;
  /** false with --no-verify. */
  verify?: boolean;
}

/** A token case is verified as explain verifies it; a token that does not even decode is left to the engine. */
async function verifyCase(
  c: FixtureCase,
  tokens: TokenSettings | null,
  rules: RuleSet,
  io: CliIo,
  now: number,
  noVerify: boolean,
): Promise<Verification | undefined> {
  if (c.input.kind !== 'token') return undefined;
  let header: Record<string, unknown>;
  try {
    header = decodeJwt(c.input.token).header;
  } catch {
    return undefined;
  }
  return verifyForCommand({ token: c.input.token, header }, tokens, rules, io, now * 1000, noVerify);
}

export async function runTest(files: string[], opts: TestOptions, io: CliIo, argv: readonly string[]): Promise<number> {
  const at = opts.at === undefined ? undefined : parseTime(opts.at);
  if (at !== undefined && !Number.isFinite(at))
    throw new TokenmapError('USAGE', `--at: not a time (Unix seconds or an ISO 8601 date): ${JSON.stringify(opts.at)}`);
  const fixtures: Fixture[] = files.map((f) => loadFixture(f, nodeReader));
  const { rules, tokens } = commandSetup(opts, argv, io);
  const accounts = nodeAccounts(nodeReader, io.env, 0);
  const cwd = process.cwd();
  const outcomes: FileOutcome[] = [];
  for (const fx of fixtures) {
    const cases: CaseOutcome[] = [];
    for (const c of fx.cases) {
      const now = c.at ?? at ?? io.now() / 1000;
      const verification = await verifyCase(c, tokens, rules, io, now, opts.verify === false);
      const d = decideCase(rules, c, now, {
        accounts,
        verification,
        run: (fn) => runBounded(fn, rules.settings.deadline * 1000),
      });
      const differs = differences(c.expect, d, fx, cwd);
      cases.push(
        differs.length
          ? { name: c.name, ok: false, differs, expected: { ...c.expect }, actual: actualOf(d) }
          : { name: c.name, ok: true },
      );
    }
    outcomes.push({ file: fx.file, cases });
  }
  io.out(renderTap(outcomes));
  return outcomes.every((f) => f.cases.every((c) => c.ok)) ? EXIT_OK : EXIT_NO;
}
