/** What every family of checks shares while one `check` run walks its files. */
import type { IdentityPolicy } from '../engine/identity.js';
import type { FileReader } from '../io/reader.js';
import type { LintPos, Report } from './problem.js';

/** Where an issuer is spelled, for the trailing-slash cross-check. */
export interface IssuerUse {
  issuer: string;
  pos: LintPos;
  what: string;
}

export interface LintContext {
  report: Report;
  reader: FileReader;
  /** Null when files are linted alone: PLUGIN: names are then notes, not errors. */
  plugins: { names: ReadonlySet<string>; pluginNames: readonly string[] } | null;
  identity: IdentityPolicy;
  hashKeys: boolean;
  issuers: IssuerUse[];
  /** Pools defined anywhere in this run (policy files, the configuration's [pool NAME]), and rules using one. */
  pools: Set<string>;
  poolRefs: { pool: string; pos: LintPos; rule: string }[];
}
