/** Library entry: the public API. */
export { TokenmapError, type SourcePos } from './errors.js';
export { loadMapSource, type MapSource, type MapSourceOptions } from './mapfile/map-source.js';
export { lookup, lookupTrace, type MapMatch } from './mapfile/lookup.js';
export { translatePcre2, type Translation } from './mapfile/pcre2.js';
export { nodeReader } from './io/node-reader.js';
