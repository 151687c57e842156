/**
 * Typed errors. Every error that can reach an edge carries a stable `code` and, where one exists, the
 * source position it is about, so that the edge can print one `FILE:LINE: message` line and exit 2.
 */
export interface SourcePos {
  file: string;
  line: number;
  col?: number;
}

/**
 * Every code tokenmap reports, with what it means: the codes of errors (exit 2, audit log `reason`,
 * `explain --json` `code`) and of the problems a map or policy file can hold (`check`, notes). The README's
 * table of error codes is checked against this list by a test.
 */
export const ERROR_CODES = {
  USAGE:
    'bad command line: unknown command or option, missing or malformed value, two inputs to explain, ' +
    '`--config` with `-c`/`--mapfile`',
  DEADLINE: 'the decision (stdin included) did not finish within the deadline',
  REGEX_BUDGET:
    'matching ran past its budget ([limits] regex_budget): a catastrophic regular expression, ' +
    'or ban lists or a token too large for it',
  INTERNAL: 'a bug: anything that is not one of the typed errors',
  CONFIG_UNREADABLE: 'the site configuration cannot be read',
  CONFIG_INVALID: 'the site configuration does not follow schemas/config.schema.json',
  NO_RULES: 'the rule sources hold no rule at all (an empty policy directory, empty files): no decision',
  ACCOUNT_DB_UNREADABLE:
    'the local account database (/etc/passwd, /etc/group, /etc/login.defs) exists but cannot be read',
  POLICY_UNREADABLE: 'a policy file cannot be read',
  POLICY_INVALID: 'a policy file does not follow schemas/policy.schema.json',
  POLICY_SYNTAX: 'a policy file line is not INI (configparser) syntax',
  POLICY_LINT: 'a policy file warning (shown by explain, not an error)',
  MAPFILE_UNREADABLE: 'a map file named as a rule source cannot be read',
  MAPFILE_SYNTAX: 'a map file line is malformed (skipped, as HTCondor skips it)',
  MAPFILE_INCLUDE: 'lookup: an @include target cannot be read (skipped, as HTCondor skips it)',
  MAPFILE_INCLUDE_UNREADABLE: 'an @include target is missing or cannot be read (a deciding command fails closed)',
  MAPFILE_NESTED_INCLUDE: '@include inside an included file (skipped, as HTCondor skips it)',
  MAPFILE_REGEX: 'a map file regex cannot be translated from PCRE2 (line skipped)',
  MAPFILE_UNSUPPORTED: 'a map line tokenmap cannot evaluate exactly as HTCondor would was reached',
  MAPFILE_TEMPLATE: 'a canonical name template refers to a group the regex does not have',
  INPUT_UNREADABLE: 'a claims file named on the command line cannot be read',
  INPUT_TOO_LARGE: 'stdin holds more than the payload cap',
  CLAIMS_MALFORMED: 'the payload or token is not strict JSON / UTF-8',
  CLAIMS_INVALID: 'the claims are not a usable token (wrong types, no iss, inconsistent input)',
  TOKEN_NOT_FOUND: 'explain: no token given and none found by WLCG Bearer Token Discovery',
  TOKEN_UNREADABLE: 'a token file cannot be read',
  TOKEN_UNSAFE: 'a token file is group- or world-writable, or not a regular file',
  TOKEN_INVALID: 'a token is not a compact JWT',
  DENIED: 'a policy rule denies this token',
  BANNED: 'a ban list entry, or the map file (banned.htcondor.org, @unmapped), bans this identity or token',
  BANS_UNREADABLE: 'a ban list cannot be read: every decision fails until it can',
  BANS_INVALID: 'a ban list line is not an entry tokenmap knows: every decision fails until it is fixed',
  UNSAFE_IDENTITY: 'the identity a rule produced is unsafe or cannot be handed to the CE',
  POOL_EXHAUSTED: 'a rule maps to a pool that has no free account and no lease unused for lease_days',
  POOL_IO: 'the lease directory of a pool cannot be used (missing, not writable, an entry of the wrong type)',
  POOL_KEY: 'the token lacks a claim the pool keys its leases on (key =)',
  PLUGIN_UNCONFIGURED: 'a map file hands over to PLUGIN:<name> with no [plugin <name>] configured',
  FIXTURE_INVALID: 'a fixture file (tokenmap test) is not JSON or does not follow schemas/fixture.schema.json',
  AUDIT_UNWRITABLE: 'the audit log cannot be opened (a symlink, not a regular file) or a line written whole',
  OUTPUT_FAILED: 'stdout cannot be written (EPIPE: the reader went away, ENOSPC): nothing was delivered',
  KEYS_UNAVAILABLE: "explain, test: the token issuer's keys cannot be had (the transport error is named)",
  AUDIENCE_UNCHECKABLE:
    'ARC 6 passes only %D, so a configured [audience] gate cannot be evaluated ([audience] arc6_unchecked)',
  SOCKET_DIR: "serve: the socket's directory is unusable, or others could listen there (owner, mode)",
  SOCKET_BUSY: 'serve: the socket path is taken (another service answers, or it is not a socket)',
  SOCKET_ACTIVATION: 'serve: systemd passed sockets tokenmap cannot use (their number, or not a Unix socket first)',
  SERVICE_DOWN: 'status: no decision service answers on the socket',
  LANE_PORT:
    'serve: the TCP fast lane cannot listen (the port is not privileged here, taken, or not allowed to be bound)',
} as const;

/** A stable error code: one of ERROR_CODES (README "Error codes"). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The first of several problems found in one file, as the error that stops the command, counting the rest. */
export function firstOf(
  code: ErrorCode,
  problems: readonly { message: string; pos: SourcePos }[],
): TokenmapError | null {
  const first = problems[0];
  if (!first) return null;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new TokenmapError(code, first.message + more, first.pos);
}

/** `FILE:LINE[:COL]`; line 0 means the file as a whole. */
export function formatPos(pos: SourcePos): string {
  if (pos.line === 0) return pos.file;
  return pos.col === undefined ? `${pos.file}:${pos.line}` : `${pos.file}:${pos.line}:${pos.col}`;
}

/** A system error as one short phrase: `ENOENT: no such file or directory`, without `, open '...'`. */
export function systemErrorText(e: unknown): string {
  const message = String((e as Error)?.message ?? e);
  return message.split(', ')[0] ?? message;
}

/** An error an edge reports as one line and exit 2. */
export class TokenmapError extends Error {
  readonly code: ErrorCode;
  readonly pos: SourcePos | undefined;
  constructor(code: ErrorCode, message: string, pos?: SourcePos) {
    super(message);
    this.name = 'TokenmapError';
    this.code = code;
    this.pos = pos;
  }
  /** The one line an edge prints on stderr. */
  describe(): string {
    return this.pos ? `${formatPos(this.pos)}: ${this.message}` : this.message;
  }
}
