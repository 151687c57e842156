/**
 * Entry of the second bundle (dist/tokens.cjs): everything that verifies tokens or handles keys, jose
 * included. The callout bundle never loads it; explain, test and keys do, through tokens/load.ts.
 */
export { verifyWithSettings } from './verifier.js';
export { fetchKeys, showKeys } from './keys-admin.js';
