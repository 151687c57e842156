/**
 * Every code `tokenmap check` reports, with what it means. Codes are stable: site CI may grep for them.
 * The README documents each with an example and the fix (a test keeps the two in step).
 */
export const LINT_CODES = {
  // INI syntax (site configuration and policy files)
  INI_SYNTAX: 'a line that is not a [section] header, a "key = value" line or a comment',
  INI_DUPLICATE_SECTION: 'a section written twice',
  INI_DUPLICATE_KEY: 'a key written twice in one section',
  INI_UNKNOWN_SECTION: 'a section the format does not have',
  INI_UNKNOWN_KEY: 'a key the section does not have',
  INI_VALUE: 'a value of the wrong form, or a required key missing',
  FILE_UNREADABLE: 'a file the configuration names cannot be read, or is not UTF-8',
  // policy files
  POLICY_RESULTS: 'a [rule] with no result or with more than one (account, pool, deny)',
  POLICY_DENY_VALUE: 'deny = no (or false, off, 0): deny takes the reason of a ban, and this one bans',
  POLICY_SCOPE_PATH: 'a storage scope whose path is relative or escapes its directory (..)',
  POLICY_POOL_UNDEFINED: 'a rule maps to a pool no [pool NAME] section defines',
  POLICY_DIR_EMPTY: 'a policy directory that holds no *.ini file',
  // check-in-validator [mappings] files
  CIV_WILDCARD: 'a [mappings] rule with * as its issuer or group',
  CIV_TAB: 'a TAB inside a [mappings] rule: it is not a separator',
  CIV_MIXED_CASE: 'a [mappings] option name with capitals: configparser lower-cases it, and prints that',
  CIV_PERCENT: 'a % in a value: the legacy plugin crashes on it or interpolates it',
  CIV_INLINE_COMMENT: 'a " ;" or " #" inside a value: configparser keeps the comment in the value',
  CIV_LOGGER: 'a [logger] section: check-in-validator logging, ignored by tokenmap',
  // HTCondor map files
  MAP_SYNTAX: 'a map line HTCondor skips: too few fields, an empty field, an unterminated quote or regex',
  MAP_CANONICAL_LF: 'a canonical name that ends in LF (unterminated quote in field 3)',
  MAP_CRLF: 'a CRLF line ending: HTCondor keeps the CR in the canonical name',
  MAP_BOM: 'a UTF-8 byte order mark at the start of a map file',
  MAP_NUL: 'a NUL byte in a map file',
  MAP_FLAGS: 'letters right after the closing / of a regex: i and U are flags, any other becomes the name',
  MAP_UNESCAPED_SLASH: 'an unescaped / inside a regex: it ends the regex early',
  MAP_UNESCAPED_DOT: 'an unescaped . in the issuer part of a regex: it matches any byte',
  MAP_UNANCHORED: 'a regex without a leading ^: it matches anywhere in the principal',
  MAP_ISSUER_OPEN: 'an anchored issuer not followed by ,: another issuer with the same prefix matches',
  MAP_LITERAL_PRINCIPAL: 'a literal SCITOKENS principal without a comma, or with regex characters',
  MAP_REGEX_KEYS_SLASH: 'a principal starting with / in regex-keys mode: the / is regex text',
  MAP_DOUBLE_BACKSLASH: '\\\\\\\\ inside a quoted or regex field: one backslash since HTCondor 10.0.3',
  MAP_REGEX_INVALID: 'a regex PCRE2 rejects: HTCondor drops the line',
  MAP_REGEX_UNSUPPORTED: 'a valid PCRE2 construct tokenmap refuses (no exact JavaScript equivalent)',
  MAP_NESTED_QUANTIFIER: 'an unbounded quantifier inside another: catastrophic backtracking is possible',
  MAP_INCLUDE_MISSING: 'an @include target that is missing or cannot be read',
  MAP_INCLUDE_NESTED: 'an @include inside an included file: HTCondor skips it',
  MAP_BACKUP_FILE: 'a backup file (*.bak, *.orig, *.save) read from an included directory',
  MAP_PLUGIN_EMPTY: 'a PLUGIN: canonical name that names no plugin: HTCondor uses it as the user',
  MAP_PLUGIN_UNCONFIGURED: 'PLUGIN:NAME with no [plugin NAME] section in the configuration',
  MAP_PLUGIN_NAME: 'a plugin name that is not alphanumeric',
  // ban lists ([bans] file[])
  BAN_SYNTAX: 'a ban list line the callout refuses: every decision fails until it is fixed',
  // across files
  ACCOUNT_UNSAFE: 'an account or group that is unsafe, denied, or a system account',
  ISSUER_TRAILING_SLASH: 'an issuer spelled with a trailing slash here and without one elsewhere',
  RULE_SHADOWED: 'a rule that an earlier rule always decides first',
  BAN_AFTER_ALLOW: 'a ban that an earlier mapping for the same principal always decides first',
  ARC6_PLUGIN_ONLY: 'a rule ARC 6 could match, reached only through a map file PLUGIN: line (ARC 6 skips map files)',
  PLUGIN_UNREACHABLE: 'a [plugin NAME] section with rules that no map line of the rule sources hands over to',
  RULES_NONE_REACHABLE: 'a configuration whose rule sources hold no rule at all',
  ARC6_AUDIENCE: 'a site [audience] gate, which ARC 6 (only %D) cannot evaluate: refused there, or waived',
} as const;

export type LintCode = keyof typeof LINT_CODES;

export const isLintCode = (s: string | undefined): s is LintCode => s !== undefined && s in LINT_CODES;
