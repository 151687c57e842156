/**
 * What explain and test do with a compact JWS before evaluating it: verify it with the site's [tokens]
 * settings and [audience] policy (the verifier bundle is loaded only here), or say why not. Flag runs
 * (-c, --mapfile) read no configuration and so trust no issuer; --no-verify decodes only and says so.
 */
import type { RuleSet } from '../engine/rule-set.js';
import type { CliIo } from '../io/cli-io.js';
import { loadTokens } from '../tokens/load.js';
import type { TokenSettings } from '../tokens/settings.js';
import type { Verification } from '../tokens/verification.js';

export interface TokenInput {
  token: string;
  header: Record<string, unknown>;
}

export async function verifyForCommand(
  input: TokenInput | null,
  tokens: TokenSettings | null,
  rules: RuleSet,
  io: CliIo,
  atMs: number,
  noVerify: boolean,
): Promise<Verification> {
  if (!input) return { result: 'not-a-token' };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const { alg, kid } = { alg: str(input.header.alg), kid: str(input.header.kid) };
  if (noVerify) return { result: 'not-verified', alg, kid };
  if (!tokens)
    return {
      result: 'rejected',
      code: 'TOKEN_ISSUER_UNTRUSTED',
      message:
        '-c / --mapfile runs read no site configuration, so no issuer is trusted: ' +
        'give --config with [tokens] trust[] or jwks[], or --no-verify to decode only',
      alg,
      kid,
    };
  const t = await loadTokens();
  return t.verifyWithSettings(
    input.token,
    tokens,
    rules.audience,
    { env: io.env, now: () => io.now() / 1000 },
    atMs / 1000,
  );
}
