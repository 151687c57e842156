/**
 * `tokenmap htcondor-plugin`: HTCondor's SciTokens mapping plugin protocol (callout-protocols.md §3.9).
 * The payload JSON on stdin (read to EOF, capped, bounded by the deadline), else the BEARER_TOKEN_0_*
 * environment. Exit 0 with the identity and one newline, 1 to decline, 2 to fail the authentication.
 */
import type { Claims } from '../claims/claims.js';
import { ClaimsInvalid } from '../claims/claims.js';
import { claimsFromEnv, hasTokenEnv } from '../claims/from-env.js';
import { claimsFromPayload } from '../claims/from-payload.js';
import type { RuleSet } from '../engine/rule-set.js';
import { runCallout, type EvalOptions } from './evaluation.js';
import type { CliIo } from '../io/cli-io.js';
import { readStdin } from './read-stdin.js';

async function claimsFromInput(io: CliIo, rules: RuleSet, started: number): Promise<Claims> {
  const stdin = io.stdin();
  const payload = stdin.isTTY
    ? Buffer.alloc(0)
    : await readStdin(stdin, rules.settings.stdinMax, rules.settings.deadline * 1000 - (io.now() - started));
  if (payload.length === 0) {
    if (!hasTokenEnv(io.env)) throw new ClaimsInvalid('no token: stdin is empty and BEARER_TOKEN_0_ISSUER is not set');
    return claimsFromEnv(io.env);
  }
  const claims = claimsFromPayload(payload);
  if (claims.iss === undefined) throw new ClaimsInvalid('the payload has no iss');
  const envIss = io.env.BEARER_TOKEN_0_ISSUER;
  if (envIss !== undefined && envIss !== claims.iss)
    throw new ClaimsInvalid('BEARER_TOKEN_0_ISSUER differs from the payload iss (inconsistent input)');
  const envSub = io.env.BEARER_TOKEN_0_SUBJECT;
  if (envSub !== undefined && envSub !== claims.sub)
    throw new ClaimsInvalid('BEARER_TOKEN_0_SUBJECT differs from the payload sub (inconsistent input)');
  return claims;
}

export function runHtcondorPlugin(
  _args: string[],
  opts: EvalOptions,
  io: CliIo,
  argv: readonly string[],
): Promise<number> {
  return runCallout('htcondor', opts, io, argv, (rules, started) => claimsFromInput(io, rules, started));
}
