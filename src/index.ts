/** Library entry: the public API. */
export { TokenmapError, type SourcePos } from './errors.js';
export { loadMapSource, type MapSource, type MapSourceOptions } from './mapfile/map-source.js';
export { lookup, lookupTrace, type MapMatch } from './mapfile/lookup.js';
export { translatePcre2, type Translation } from './mapfile/pcre2.js';
export { nodeReader } from './io/node-reader.js';
export { claimsFromObject, claimsFromPayload } from './claims/from-payload.js';
export { claimsFromEnv } from './claims/from-env.js';
export { decodeJwt } from './claims/from-jwt.js';
export type { Claims } from './claims/claims.js';
export { evaluate } from './engine/evaluate.js';
export type { Decision } from './engine/decision.js';
export type { Pipeline } from './engine/pipeline.js';
export { pipelineFromFlags } from './engine/from-flags.js';
export { loadConfig } from './config/config.js';
