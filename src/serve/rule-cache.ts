/**
 * The compiled rules the service holds: one entry per variant of the command-line options that change
 * them (`--regex-keys`, `--uid-domain`, `--deadline`), each built by the command's own builder, with the
 * list of files it read. A reload builds a complete new value and only then replaces the old one, so a
 * decision sees the old rules or the new ones, never a mixture; a reload that fails keeps the last good
 * rules and records the error. Only the rule sources the service was started with are served (a request
 * naming other files runs the cold path, with the caller's own permissions).
 */
import { isAbsolute } from 'node:path';
import type { Binary } from '../bytes.js';
import { TokenmapError } from '../errors.js';
import type { SourceRef } from '../config/config.js';
import type { RuleSet } from '../engine/rule-set.js';
import type { RuleSetProvider, RuleSetRequest } from '../engine/rule-set-provider.js';
import { nodeReader } from '../io/node-reader.js';
import type { FileReader } from '../io/reader.js';
import { recordingReader, sameSignatures, signatures, type Signatures } from './file-signature.js';
import type { FallbackReason } from './protocol.js';

/** What the service serves: one site configuration, or one ordered list of -c/--mapfile sources. */
export type Served = { config: string } | { flags: readonly SourceRef[] };

/** Past this many option variants a request runs the cold path: the cache stays bounded. */
export const MAX_VARIANTS = 8;

export class NotServed extends Error {
  constructor(readonly reason: FallbackReason) {
    super(`not served here (${reason})`);
  }
}

type Build = (reader: FileReader) => RuleSet;

/** What the service shows of the rules it serves (status, metrics, its log), wherever they are held. */
export type RulesView = Pick<
  RuleCache,
  'served' | 'generation' | 'loadedAt' | 'lastError' | 'lastErrorAt' | 'variantCount' | 'loaded' | 'files'
>;

interface Variant {
  build: Build;
  /** The last good rules; null while the first build has not succeeded. */
  good: RuleSet | null;
  /** The error of the first build, thrown to callers exactly as the cold path would throw it. */
  failure: unknown;
  sigs: Signatures;
  /** Signatures seen changed at the last tick: rebuilt once they stay the same for a tick. */
  pending: Signatures | null;
}

export interface ReloadReport {
  ok: boolean;
  /** The first build of a variant (not a reload). */
  initial: boolean;
  error?: string;
}

const describe = (e: unknown) =>
  e instanceof TokenmapError ? e.describe() : `internal error: ${String((e as Error)?.message ?? e)}`;

export class RuleCache {
  private readonly variants = new Map<string, Variant>();
  generation = 0;
  loadedAt = 0;
  lastError: string | null = null;
  lastErrorAt = 0;

  constructor(
    readonly served: Served,
    private readonly now: () => number,
    private readonly onReload: (r: ReloadReport) => void = () => {},
    private readonly reader: FileReader = nodeReader,
  ) {}

  /** What a request's command gets its rules from. */
  readonly provider: RuleSetProvider = (request, build) => {
    this.check(request);
    const key = JSON.stringify([
      'regexKeys' in request && request.regexKeys,
      request.uidDomain ?? null,
      request.deadline ?? null,
    ]);
    let v = this.variants.get(key);
    if (!v) {
      if (this.variants.size >= MAX_VARIANTS) throw new NotServed('not-served');
      v = { build, good: null, failure: null, sigs: new Map(), pending: null };
      this.variants.set(key, v);
      this.rebuild(v, true);
    }
    if (v.good) return v.good;
    throw v.failure;
  };

  /** Refuses what another user's cold run would read differently: other files, or paths relative to a cwd. */
  private check(request: RuleSetRequest): void {
    if ('flags' in request) {
      if (request.flags.some((f) => !isAbsolute(f.path))) throw new NotServed('relative-path');
      const want = 'flags' in this.served ? this.served.flags : [];
      const same = (f: SourceRef, i: number) => f.kind === want[i]?.kind && f.path === want[i]?.path;
      if (request.flags.length !== want.length || !request.flags.every(same)) throw new NotServed('not-served');
      return;
    }
    if (!isAbsolute(request.configPath)) throw new NotServed('relative-path');
    if (!('config' in this.served) || this.served.config !== request.configPath) throw new NotServed('not-served');
  }

  /** Builds a variant from scratch; on failure keeps what it had. Returns whether it succeeded. */
  private rebuild(v: Variant, initial = false): boolean {
    const before = signatures(v.sigs.keys());
    const seen = new Set<Binary>();
    let built: RuleSet;
    try {
      built = v.build(recordingReader(this.reader, seen));
    } catch (e) {
      v.sigs = signatures(seen);
      v.pending = null;
      if (v.good === null) v.failure = e;
      this.lastError = describe(e);
      this.lastErrorAt = this.now();
      this.onReload({ ok: false, initial, error: this.lastError });
      return false;
    }
    const after = signatures(seen);
    // A file that changed while it was being read: try again at the next tick rather than keep a mixture.
    const raced = [...before].some(([p, s]) => after.has(p) && after.get(p) !== s);
    v.good = built;
    v.failure = null;
    v.sigs = raced ? new Map([...after.keys()].map((p) => [p, 'raced'])) : after;
    v.pending = null;
    this.generation++;
    this.loadedAt = this.now();
    this.lastError = null;
    this.onReload({ ok: true, initial });
    return true;
  }

  /** One watcher tick: rebuild each variant whose files changed and have stayed the same since the last tick. */
  poll(): void {
    for (const v of this.variants.values()) {
      const current = signatures(v.sigs.keys());
      if (sameSignatures(current, v.sigs)) {
        v.pending = null;
        continue;
      }
      if (v.pending && sameSignatures(current, v.pending)) this.rebuild(v);
      else v.pending = current;
    }
  }

  /** SIGHUP: rebuild everything now. */
  reloadAll(): void {
    for (const v of this.variants.values()) this.rebuild(v);
  }

  /** Every path the rules depend on (for status). */
  files(): Binary[] {
    const all = new Set<Binary>();
    for (const v of this.variants.values()) for (const p of v.sigs.keys()) all.add(p);
    return [...all].sort();
  }

  get variantCount(): number {
    return this.variants.size;
  }

  /** Whether the rules served by default (no extra options) are loaded. */
  get loaded(): boolean {
    return [...this.variants.values()].some((v) => v.good !== null);
  }
}
