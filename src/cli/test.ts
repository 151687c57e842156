/**
 * `tokenmap test`: runs mapping fixtures against the configured rules (for site CI) and prints TAP 14.
 * Exit 0 when every case passes, 1 when any fails, 2 when a fixture file is invalid (naming the file and
 * the JSON path) or the rules cannot be loaded. Every fixture is read and checked before any case runs.
 */
import { TokenmapError } from '../errors.js';
import { runBounded } from '../engine/bounded.js';
import { loadFixture, parseTime, type Fixture } from '../fixtures/fixture.js';
import { actualOf, differences } from '../fixtures/compare.js';
import { decideCase } from '../fixtures/run-case.js';
import { renderTap, type FileOutcome } from '../fixtures/tap.js';
import { nodeReader } from '../io/node-reader.js';
import type { CliIo } from '../io/cli-io.js';
import { commandRuleSet, type EvalOptions } from './evaluation.js';
import { EXIT_NO, EXIT_OK } from './fail.js';

export interface TestOptions extends EvalOptions {
  at?: string;
}

export async function runTest(files: string[], opts: TestOptions, io: CliIo, argv: readonly string[]): Promise<number> {
  const at = opts.at === undefined ? undefined : parseTime(opts.at);
  if (at !== undefined && !Number.isFinite(at))
    throw new TokenmapError('USAGE', `--at: not a time (Unix seconds or an ISO 8601 date): ${JSON.stringify(opts.at)}`);
  const fixtures: Fixture[] = files.map((f) => loadFixture(f, nodeReader));
  const rules = commandRuleSet(opts, argv, io);
  const cwd = process.cwd();
  const outcomes: FileOutcome[] = fixtures.map((fx) => ({
    file: fx.file,
    cases: fx.cases.map((c) => {
      const d = decideCase(rules, c, c.at ?? at ?? io.now() / 1000, (fn) =>
        runBounded(fn, rules.settings.deadline * 1000),
      );
      const differs = differences(c.expect, d, fx, cwd);
      return differs.length
        ? { name: c.name, ok: false, differs, expected: { ...c.expect }, actual: actualOf(d) }
        : { name: c.name, ok: true };
    }),
  }));
  io.out(renderTap(outcomes));
  return outcomes.every((f) => f.cases.every((c) => c.ok)) ? EXIT_OK : EXIT_NO;
}
