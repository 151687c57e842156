/** Everything an evaluation needs, compiled once from the site configuration or the command line. */
import type { MapSource } from '../mapfile/map-source.js';
import type { AudiencePolicy } from '../policy/audience.js';
import type { IdentityPolicy } from './identity.js';
import type { CompiledPolicies } from './policies.js';

export type RuleSource =
  { kind: 'mapfile'; label: string; map: MapSource } | { kind: 'policy'; label: string; policies: CompiledPolicies };

export interface Pipeline {
  /** Evaluated in order; the first source that decides wins. */
  sources: RuleSource[];
  /** What PLUGIN:<name> hands over to (names upper-cased: HTCondor knob names are case-insensitive). */
  plugins: Map<string, CompiledPolicies>;
  /** Ad-hoc runs (`-c` with `--mapfile`): any plugin name hands over to the `-c` policies. */
  anyPlugin: CompiledPolicies | null;
  /** SEC_SCITOKENS_PLUGIN_NAMES: what PLUGIN:* means. */
  pluginNames: string[];
  uidDomain: string;
  identity: IdentityPolicy;
  /** The site's accepted audiences: a gate before any rule when `enforce`, and the default of native rules. */
  audience: Omit<AudiencePolicy, 'missingOk'> & { enforce: boolean; missingOkIssuers: string[] };
  /** Token checks (time, profile); null in check-in-validator drop-in mode, which relies on the CE. */
  tokenChecks: { skew: number } | null;
  /** Warnings found while loading (shown by explain). */
  notes: string[];
}
