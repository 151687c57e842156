/**
 * Typed errors. Every error that can reach an edge carries a stable `code` and, where one exists, the
 * source position it is about, so that the edge can print one `FILE:LINE: message` line and exit 2.
 */
export interface SourcePos {
  file: string;
  line: number;
  col?: number;
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

export class TokenmapError extends Error {
  readonly code: string;
  readonly pos: SourcePos | undefined;
  constructor(code: string, message: string, pos?: SourcePos) {
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
