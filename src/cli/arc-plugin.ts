/**
 * `tokenmap arc-plugin`: for ARC's `map_with_plugin` and authgroup `plugin` (callout-protocols.md §4.11).
 * Claims from BEARER_TOKEN_0_* (ARC 7), else the `%D` SUBJECT argument (ARC 6). Never touches stdin: ARC
 * leaves it open and never writes it. Prints `user` or `user:group` with no newline, in one write.
 */
import type { Claims } from '../claims/claims.js';
import { ClaimsInvalid } from '../claims/claims.js';
import { claimsFromEnv, hasTokenEnv } from '../claims/from-env.js';
import { claimsFromSubject } from '../claims/from-subject.js';
import { runCallout, type EvalOptions } from './evaluation.js';
import type { CliIo } from '../io/cli-io.js';

/** The claims arc-plugin decides on (explain --arc-subject reads %D here too, with no environment). */
export function arcClaims(args: readonly string[], env: CliIo['env']): Claims {
  if (hasTokenEnv(env)) return claimsFromEnv(env);
  if (args[0] !== undefined && args[0] !== '') return claimsFromSubject(args[0]);
  throw new ClaimsInvalid(
    'no token: BEARER_TOKEN_0_ISSUER is not set (ARC 7) and no SUBJECT argument (%D, ARC 6) was given',
  );
}

export function runArcPlugin(args: string[], opts: EvalOptions, io: CliIo, argv: readonly string[]): Promise<number> {
  return runCallout('arc', opts, io, argv, () => arcClaims(args, io.env));
}
