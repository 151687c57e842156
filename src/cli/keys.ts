/**
 * `tokenmap keys fetch|show [--config FILE] [ISSUER...]`: pre-seed tokenmap's key cache from the trusted
 * issuers (useful on CEs without outbound HTTPS at authentication time), and show what each key source
 * holds. The work is in the tokens bundle; this edge reads the configuration and reports.
 */
import { TokenmapError } from '../errors.js';
import { loadSiteConfig, resolveConfigPath } from '../config/config.js';
import { nodeReader } from '../io/node-reader.js';
import { loadTokens } from '../tokens/load.js';
import { EXIT_ERROR, EXIT_OK } from './fail.js';
import type { CliIo } from '../io/cli-io.js';

export async function runKeys(args: string[], opts: { config?: string }, io: CliIo): Promise<number> {
  const [action, ...issuers] = args;
  if (action !== 'fetch' && action !== 'show') throw new TokenmapError('USAGE', 'keys: say fetch or show');
  const { tokens, file } = loadSiteConfig(resolveConfigPath(opts.config, io.env), nodeReader);
  if (action === 'fetch' && tokens.keyCache === undefined)
    throw new TokenmapError('CONFIG_INVALID', 'keys fetch: no [tokens] key_cache to keep the keys in', {
      file,
      line: 0,
    });
  const t = await loadTokens();
  const deps = { env: io.env, now: () => io.now() / 1000 };
  const report = action === 'fetch' ? await t.fetchKeys(tokens, issuers, deps) : t.showKeys(tokens, issuers, deps);
  io.out(report.lines.map((l) => l + '\n').join(''));
  if (report.failed) {
    io.err(`tokenmap: keys fetch: ${report.failed} issuer(s) failed`);
    return EXIT_ERROR;
  }
  return EXIT_OK;
}
