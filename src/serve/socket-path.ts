/**
 * Where the service listens, and the checks that keep another local user from listening there first:
 * the socket's directory must be owned by root or by the service's own user and writable by no one
 * else. A socket left by a dead service is removed; one that still answers means a service is running.
 */
import { chmodSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { systemErrorText, TokenmapError } from '../errors.js';

export const DEFAULT_SOCKET = '/run/tokenmap/tokenmap.sock';

export function resolveSocket(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return explicit ?? (env.TOKENMAP_SOCKET || DEFAULT_SOCKET);
}

const euid = () => process.geteuid?.() ?? 0;

/** The directory's owner and mode, as the client checks them too (bin/tokenmap-callout). */
export function checkSocketDir(dir: string): void {
  const refuse = (why: string) =>
    new TokenmapError('SOCKET_DIR', `the socket directory ${why}`, { file: dir, line: 0 });
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw refuse(`cannot be used (${systemErrorText(e)})`);
  }
  if (!st.isDirectory()) throw refuse('is not a directory');
  if (st.uid !== 0 && st.uid !== euid()) throw refuse(`is owned by uid ${st.uid}, not root or this service's user`);
  if ((st.mode & 0o022) !== 0) throw refuse('is writable by group or others');
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Makes `path` free to listen on; throws when that would be unsafe or another service holds it. */
export async function prepareSocket(path: string): Promise<void> {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { mode: 0o755 });
    // Clients (condor, root for A-REX) must reach the socket whatever the service's umask.
    chmodSync(dir, 0o755);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') checkSocketDir(dir);
  }
  checkSocketDir(dir);
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isSocket()) throw new TokenmapError('SOCKET_BUSY', 'exists and is not a socket', { file: path, line: 0 });
  if (await answers(path))
    throw new TokenmapError('SOCKET_BUSY', 'another service answers on this socket', { file: path, line: 0 });
  unlinkSync(path);
}

/** Clients run as other users (condor, root): anyone may connect; only the directory decides who listens. */
export function openSocket(path: string): void {
  chmodSync(path, 0o666);
}
