/**
 * One ARC integration run at a time on a machine: they bind fixed ports and change host-wide state
 * (/etc/grid-security, accounts). The lock is a directory holding the owner's pid; a lock whose owner is
 * gone is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK = '/run/lock/tokenmap-arc-it';

function owner(): number | null {
  try {
    return Number(readFileSync(join(LOCK, 'pid'), 'utf8')) || null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquire(waitMs: number): Promise<() => void> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = owner();
    if (pid !== null && !alive(pid)) rmSync(LOCK, { recursive: true, force: true });
    else if (Date.now() > until) throw new Error(`${LOCK} is held by pid ${pid ?? '?'}`);
    else await new Promise((r) => setTimeout(r, 1000));
  }
}
