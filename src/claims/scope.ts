/**
 * WLCG scopes: one space-separated string; `compute.*` capabilities have no path, `storage.*` ones a
 * mandatory path that covers sub-paths segment by segment (`/foo` covers `/foo/bar`, never `/foobar`).
 */
import { recentMemo } from './recent-memo.js';

export function splitScope(scope: string): string[] {
  return scope.split(' ').filter((s) => s !== '');
}

export const STORAGE_AUTHZ = [
  'storage.read',
  'storage.create',
  'storage.modify',
  'storage.stage',
  'storage.poll',
] as const;
export const COMPUTE_SCOPES = ['compute.read', 'compute.modify', 'compute.create', 'compute.cancel'] as const;

export type ScopeItem =
  | { kind: 'compute'; raw: string }
  | { kind: 'storage'; raw: string; authz: string; path: string | null; invalid?: string }
  | { kind: 'other'; raw: string };

/**
 * Normalises an absolute scope path: percent-decoded (up to 4 rounds), `.` and empty segments dropped.
 * Returns an error string for `..`, `/`, `\` or NUL inside a segment, or a `%` left over.
 */
export function normalisePath(path: string): { path: string } | { error: string } {
  if (!path.startsWith('/')) return { error: 'not an absolute path' };
  const out: string[] = [];
  for (const raw of path.split('/')) {
    let seg = raw;
    for (let round = 0; round < 4 && seg.includes('%'); round++) {
      try {
        seg = decodeURIComponent(seg);
      } catch {
        return { error: `bad percent-encoding in ${JSON.stringify(raw)}` };
      }
    }
    if (seg.includes('%')) return { error: `percent-encoding left after 4 rounds in ${JSON.stringify(raw)}` };
    if (seg === '..' || /[/\\\0]/.test(seg)) return { error: `segment ${JSON.stringify(raw)} escapes its directory` };
    if (seg === '' || seg === '.') continue;
    out.push(seg);
  }
  return { path: '/' + out.join('/') + (path.endsWith('/') && out.length ? '/' : '') };
}

export function classifyScope(raw: string): ScopeItem {
  if ((COMPUTE_SCOPES as readonly string[]).includes(raw)) return { kind: 'compute', raw };
  const colon = raw.indexOf(':');
  const authz = colon < 0 ? raw : raw.slice(0, colon);
  if (!(STORAGE_AUTHZ as readonly string[]).includes(authz)) return { kind: 'other', raw };
  if (colon < 0) return { kind: 'storage', raw, authz, path: null };
  const n = normalisePath(raw.slice(colon + 1));
  return 'error' in n
    ? { kind: 'storage', raw, authz, path: null, invalid: n.error }
    : { kind: 'storage', raw, authz, path: n.path };
}

/** A path without its trailing slash, as coverage compares paths (`/` stays itself). */
const withoutSlash = (path: string) => (path.endsWith('/') && path !== '/' ? path.slice(0, -1) : path);

/** Segment-aware coverage: the scope path P covers R when R == P or R starts with P + '/'. */
export function pathCovers(scopePath: string, requestPath: string): boolean {
  const p = withoutSlash(scopePath);
  const r = withoutSlash(requestPath);
  if (p === '/') return true;
  return r === p || r.startsWith(p + '/');
}

/**
 * Every scope path (as withoutSlash leaves it) that covers `requestPath` (pathCovers): the path itself,
 * each prefix of it ending before a `/`, and `/`. A required path is looked up this way in the token's
 * paths, rather than each of the token's paths tested against it.
 */
function coveringPaths(requestPath: string): string[] {
  const r = withoutSlash(requestPath);
  const out = [r, '/'];
  for (let i = r.lastIndexOf('/'); i > 0; i = r.lastIndexOf('/', i - 1)) out.push(r.slice(0, i));
  return out;
}

/** storage.modify is a strict superset of storage.create. */
const IMPLIED: Record<string, string[]> = { 'storage.create': ['storage.create', 'storage.modify'] };

/** A token's scopes as grants() reads them: each classified once, however many rules ask. */
interface ScopeIndex {
  all: ReadonlySet<string>;
  /** `<authz>\0<path>` of every valid storage item, the path as withoutSlash leaves it. */
  storage: ReadonlySet<string>;
}

// An authorisation (storage.read, ...) holds no NUL: classifyScope accepts only the known names.
const storageKey = (authz: string, path: string) => `${authz}\0${path}`;

// Keyed by the token's (frozen) scope list: one classification per token, not one per rule and scope,
// which a long scope claim against many rules made quadratic; and a required storage path is looked up,
// not compared with each of the token's (a rule's list x the token's: review of 15b298b).
const scopeIndex = recentMemo((tokenScopes: readonly string[]): ScopeIndex => {
  const storage = new Set<string>();
  for (const s of new Set(tokenScopes)) {
    const have = classifyScope(s);
    if (have.kind === 'storage' && have.path !== null) storage.add(storageKey(have.authz, withoutSlash(have.path)));
  }
  return { all: new Set(tokenScopes), storage };
});

/**
 * Whether the token's scopes grant a required scope: compute and other items exactly; a storage item when
 * some valid token item of that authorisation (or a superset) has a path covering the required path.
 */
export function grants(tokenScopes: readonly string[], required: string): boolean {
  const want = classifyScope(required);
  const ix = scopeIndex(tokenScopes);
  if (want.kind !== 'storage') return ix.all.has(required);
  if (want.path === null) return false;
  // A rule's path of thousands of segments costs as many lookups: none where the token has no storage item.
  if (ix.storage.size === 0) return false;
  const authz = IMPLIED[want.authz] ?? [want.authz];
  const paths = coveringPaths(want.path);
  return authz.some((a) => paths.some((p) => ix.storage.has(storageKey(a, p))));
}
