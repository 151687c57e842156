/**
 * Where a command gets its RuleSet: it builds one (the cold path), or a long-lived process that built it
 * once hands it over (tokenmap serve). The command says what it wants, before anything is read, and
 * passes its own builder, so that a provider that has nothing cached builds exactly what the command
 * would have built.
 */
import type { SourceRef } from '../config/config.js';
import type { FileReader } from '../io/reader.js';
import type { RuleSet, RuleSetOverrides } from './rule-set.js';

/** The rules a command line asks for: a configuration file (its path as resolved), or rule-source flags. */
export type RuleSetRequest =
  | ({ readonly configPath: string } & RuleSetOverrides)
  | ({ readonly flags: readonly SourceRef[]; readonly regexKeys: boolean } & RuleSetOverrides);

export type RuleSetProvider = (request: RuleSetRequest, build: (reader: FileReader) => RuleSet) => RuleSet;
