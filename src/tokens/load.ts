/**
 * Loads the verifier when a command needs it. In the shipped build this module is replaced (see
 * scripts/bundle.mjs) by one that requires dist/tokens.cjs, so that the callout bundle neither holds nor
 * parses jose; run from sources or dist/index.js, it is an ordinary dynamic import.
 */
export type TokensModule = typeof import('./entry.js');

export function loadTokens(): Promise<TokensModule> {
  return import('./entry.js');
}
