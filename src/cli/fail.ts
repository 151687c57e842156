/** Turns any thrown value into the one stderr line and the exit code an edge reports. */
import { clip, printable } from '../bytes.js';
import { TokenmapError } from '../errors.js';
import type { CliIo } from '../io/cli-io.js';

export const EXIT_OK = 0;
export const EXIT_NO = 1;
export const EXIT_ERROR = 2;

export function reportFailure(io: CliIo, e: unknown): number {
  const debug = io.env.TOKENMAP_DEBUG === '1';
  // Messages quote claims, kids and file contents: one printable line, whatever they hold.
  if (e instanceof TokenmapError) io.err(`tokenmap: ${printable(e.describe())}`);
  else io.err(`tokenmap: internal error: ${printable(clip(e instanceof Error ? e.message : String(e), 300))}`);
  if (debug && e instanceof Error && e.stack) io.err(e.stack);
  return EXIT_ERROR;
}
