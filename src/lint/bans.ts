/**
 * Ban lists (`[bans] file[]`): every callout reads them on every decision, and one that cannot be read or
 * holds a line the parser refuses fails every decision (exit 2). So check reads them as the callout does
 * and reports each refused line where it is.
 */
import { parseBanList } from '../accounts/ban-list.js';
import { TokenmapError } from '../errors.js';
import type { FileReader } from '../io/reader.js';
import { readText } from '../io/read-text.js';
import { firstCol, linesOf, type LintPos, type Report } from './problem.js';

export function lintBanList(path: string, at: LintPos, reader: FileReader, report: Report): void {
  let text: string;
  try {
    text = readText(reader, path, 'ban list', 'BANS_UNREADABLE');
  } catch (e) {
    if (!(e instanceof TokenmapError)) throw e;
    return report(at, 'error', 'FILE_UNREADABLE', `${e.describe()}: every decision fails while it cannot be read`);
  }
  const lines = linesOf(text);
  for (const p of parseBanList(text, path).problems)
    report(
      { ...p.pos, col: firstCol(lines[p.pos.line - 1] ?? '') },
      'error',
      'BAN_SYNTAX',
      `${p.message}: every decision fails until it is fixed`,
    );
}
