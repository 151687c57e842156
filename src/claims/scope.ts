/**
 * WLCG scopes: one space-separated string; `compute.*` capabilities have no path, `storage.*` ones a
 * mandatory path that covers sub-paths segment by segment (`/foo` covers `/foo/bar`, never `/foobar`).
 */
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

/** Segment-aware coverage: the scope path P covers R when R == P or R starts with P + '/'. */
export function pathCovers(scopePath: string, requestPath: string): boolean {
  const p = scopePath.endsWith('/') && scopePath !== '/' ? scopePath.slice(0, -1) : scopePath;
  const r = requestPath.endsWith('/') && requestPath !== '/' ? requestPath.slice(0, -1) : requestPath;
  if (p === '/') return true;
  return r === p || r.startsWith(p + '/');
}

/** storage.modify is a strict superset of storage.create. */
const IMPLIED: Record<string, string[]> = { 'storage.create': ['storage.create', 'storage.modify'] };

/** A token's scopes as grants() reads them: each classified once, however many rules ask. */
interface ScopeIndex {
  all: ReadonlySet<string>;
  storage: readonly { authz: string; path: string }[];
}

// Keyed by the token's (frozen) scope list: one classification per token, not one per rule and scope,
// which a long scope claim against many rules made quadratic.
const indexes = new WeakMap<readonly string[], ScopeIndex>();

function scopeIndex(tokenScopes: readonly string[]): ScopeIndex {
  let ix = indexes.get(tokenScopes);
  if (!ix) {
    const storage: { authz: string; path: string }[] = [];
    for (const s of new Set(tokenScopes)) {
      const have = classifyScope(s);
      if (have.kind === 'storage' && have.path !== null) storage.push({ authz: have.authz, path: have.path });
    }
    ix = { all: new Set(tokenScopes), storage };
    indexes.set(tokenScopes, ix);
  }
  return ix;
}

/**
 * Whether the token's scopes grant a required scope: compute and other items exactly; a storage item when
 * some valid token item of that authorisation (or a superset) has a path covering the required path.
 */
export function grants(tokenScopes: readonly string[], required: string): boolean {
  const want = classifyScope(required);
  const ix = scopeIndex(tokenScopes);
  if (want.kind !== 'storage') return ix.all.has(required);
  if (want.path === null) return false;
  const authz = IMPLIED[want.authz] ?? [want.authz];
  return ix.storage.some((have) => authz.includes(have.authz) && pathCovers(have.path, want.path as string));
}
