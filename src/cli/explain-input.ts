/**
 * Where explain's token comes from: exactly one of a TOKEN argument, --token-file, --claims FILE or `-`
 * (stdin), --arc-subject (ARC 6's %D), --from-env (the BEARER_TOKEN_0_* environment of ARC 7 or
 * HTCondor), or, with none of them, WLCG Bearer Token Discovery. Two of them are a usage error: explain
 * never picks one silently. Each input is read by the adapter its CE's callout uses, so explain evaluates
 * what the callout would.
 */
import { TokenmapError, systemErrorText } from '../errors.js';
import type { Claims } from '../claims/claims.js';
import { ClaimsInvalid } from '../claims/claims.js';
import { claimsFromEnv, hasTokenEnv } from '../claims/from-env.js';
import { decodeJwt } from '../claims/from-jwt.js';
import { claimsFromPayload } from '../claims/from-payload.js';
import type { Ce } from '../engine/identity.js';
import { readRegularFile } from '../io/regular-file.js';
import type { CliIo } from '../io/cli-io.js';
import { discoverToken, type DiscoveryStep } from '../tokens/discover.js';
import { arcClaims } from './arc-plugin.js';
import { readStdin } from './read-stdin.js';
import type { TokenInput } from './verify-token.js';

export type InputKind =
  'argument' | 'token-file' | 'claims-file' | 'stdin' | 'arc-subject' | 'environment' | 'discovery';

/** What explain --json says of the input (schemas/decision.schema.json `input`). */
export interface InputSource {
  kind: InputKind;
  /** The file read (token-file, claims-file, a discovery step that reads a file). */
  path?: string;
  /** The WLCG Bearer Token Discovery step that found the token. */
  step?: DiscoveryStep;
  /** The CE whose callout is evaluated: ARC 6 for --arc-subject, the environment's CE for --from-env. */
  ce?: Ce;
}

export interface InputOptions {
  tokenFile?: string;
  claims?: string;
  arcSubject?: string;
  fromEnv?: boolean;
}

export interface ExplainInput {
  source: InputSource;
  claims: Claims;
  /** A compact JWS to verify; null for claims sets, subjects and environments. */
  jws: TokenInput | null;
  notes: string[];
}

/** The one input this command line names, or discovery; two are a usage error naming both. */
export function chooseInput(args: readonly string[], opts: InputOptions): InputSource {
  const given: [string, InputSource][] = [];
  if (args[0] !== undefined) given.push(['a TOKEN argument', { kind: 'argument' }]);
  if (opts.tokenFile !== undefined) given.push(['--token-file', { kind: 'token-file', path: opts.tokenFile }]);
  if (opts.claims !== undefined)
    given.push([
      opts.claims === '-' ? '--claims -' : '--claims',
      opts.claims === '-' ? { kind: 'stdin' } : { kind: 'claims-file', path: opts.claims },
    ]);
  if (opts.arcSubject !== undefined) given.push(['--arc-subject', { kind: 'arc-subject', ce: 'arc' }]);
  if (opts.fromEnv === true) given.push(['--from-env', { kind: 'environment' }]);
  if (given.length > 1)
    throw new TokenmapError(
      'USAGE',
      `explain: ${given[0]?.[0]} and ${given[1]?.[0]} given together: give one input (TOKEN, --token-file, ` +
        '--claims, --arc-subject or --from-env), or none for WLCG Bearer Token Discovery',
    );
  return given[0]?.[1] ?? { kind: 'discovery' };
}

function readFile(path: string, what: string): Buffer {
  try {
    return readRegularFile(path);
  } catch (e) {
    throw new TokenmapError('INPUT_UNREADABLE', `cannot read ${what} (${systemErrorText(e)})`, { file: path, line: 0 });
  }
}

function token(source: InputSource, text: string, notes: string[] = []): ExplainInput {
  if (text === '')
    throw new TokenmapError(
      'TOKEN_INVALID',
      `the ${source.kind === 'argument' ? 'TOKEN argument' : 'token file'} is empty`,
    );
  const { header, claims } = decodeJwt(text);
  return { source, claims, jws: { token: text, header }, notes };
}

/** Reads the chosen input. `stdin` is bounded as the HTCondor plugin's is: a byte cap and the time left. */
export async function readInput(
  source: InputSource,
  args: readonly string[],
  opts: InputOptions,
  io: CliIo,
  stdin: { cap: number; msLeft: () => number },
): Promise<ExplainInput> {
  const claimsOnly = (claims: Claims, s: InputSource = source): ExplainInput => ({
    source: s,
    claims,
    jws: null,
    notes: [],
  });
  switch (source.kind) {
    case 'argument':
      return token(source, args[0] as string);
    case 'token-file':
      return token(
        source,
        readFile(source.path as string, 'token file')
          .toString('latin1')
          .trim(),
      );
    case 'claims-file':
      return claimsOnly(claimsFromPayload(readFile(source.path as string, 'claims file'), 'claims-file'));
    case 'stdin': {
      const s = io.stdin();
      // Waiting on a terminal would only run into the deadline.
      if (s.isTTY)
        throw new TokenmapError('USAGE', '--claims -: stdin is a terminal or /dev/null; pipe the claims set in');
      return claimsOnly(claimsFromPayload(await readStdin(s, stdin.cap, stdin.msLeft())));
    }
    case 'arc-subject':
      // arc-plugin's own reading of %D, with no BEARER_TOKEN_0_* (that is ARC 6).
      return claimsOnly(arcClaims([opts.arcSubject as string], {}));
    case 'environment': {
      if (!hasTokenEnv(io.env))
        throw new ClaimsInvalid('--from-env: BEARER_TOKEN_0_ISSUER is not set, so the environment carries no token');
      const claims = claimsFromEnv(io.env);
      return claimsOnly(claims, { ...source, ce: claims.source === 'env-arc' ? 'arc' : 'htcondor' });
    }
    case 'discovery': {
      const found = discoverToken(io.env, process.geteuid?.() ?? 0);
      const s: InputSource = { kind: 'discovery', step: found.step, path: found.path };
      return token(s, found.token, found.warnings);
    }
  }
}
