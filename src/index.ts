/** Library entry: the public API. */
export { TokenmapError, ERROR_CODES, type ErrorCode, type SourcePos } from './errors.js';
export type { FileReader } from './io/reader.js';
export { nodeReader } from './io/node-reader.js';
export { loadMapSource, type MapSource, type MapSourceOptions } from './mapfile/map-source.js';
export { lookup, lookupTrace, type MapMatch } from './mapfile/lookup.js';
export { translatePcre2, type Translation } from './mapfile/pcre2.js';
export { claimsFromObject, claimsFromPayload } from './claims/from-payload.js';
export { claimsFromEnv } from './claims/from-env.js';
export { decodeJwt } from './claims/from-jwt.js';
export type { Claims } from './claims/claims.js';
export { loadSiteConfig, parseSiteConfig, type SiteConfig, type SourceRef, type Settings } from './config/config.js';
export { buildRuleSet, type RuleSet, type RuleSetInput, type RuleSetOverrides } from './engine/rule-set.js';
export { evaluate, type EvaluateOptions } from './engine/evaluate.js';
export { decisionJson, errorDecision, type Decision } from './engine/decision.js';
export { decidingTracer, fullTracer, type Tracer, type TraceStep } from './engine/trace.js';
