/**
 * The service's counters, rendered as Prometheus text (exposition format 0.0.4). Every label set is
 * bounded: results and fallback reasons are fixed words, and deciding rules are capped at
 * MAX_RULE_LABELS distinct values (the rest count under `other`), so memory stays flat however many
 * decisions are made.
 */
import type { FallbackReason } from './protocol.js';

export type Result = 'mapped' | 'declined' | 'error';
export type Lane = 'socket' | 'tcp';
const LANES: readonly Lane[] = ['socket', 'tcp'];
/** Where the service decided: its main thread, or the evaluator thread (serve/deciders.ts). */
export type DecidedOn = 'main' | 'evaluator';
const THREADS: readonly DecidedOn[] = ['main', 'evaluator'];
export const RESULTS: readonly Result[] = ['mapped', 'declined', 'error'];

/** Seconds; a decision is tens of microseconds, a slow one is bounded by the deadline. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1, 5];
export const MAX_RULE_LABELS = 1000;

/** A label value in the exposition format: backslash, quote and newline escaped. */
const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class Metrics {
  readonly decisions = new Map<Result, number>(RESULTS.map((r) => [r, 0]));
  readonly byRule = new Map<string, number>();
  readonly fallbacks = new Map<FallbackReason, number>();
  readonly refused = new Map<string, number>();
  /** Callout requests taken up, by the way they came: the Unix socket or the TCP fast lane. */
  readonly lanes = new Map<Lane, number>(LANES.map((l) => [l, 0]));
  readonly threads = new Map<DecidedOn, number>(THREADS.map((th) => [th, 0]));
  readonly reloads = { ok: 0, failed: 0 };
  private readonly buckets = new Array<number>(BUCKETS.length).fill(0);
  private latencySum = 0;
  private latencyCount = 0;

  decision(result: Result, seconds: number, rule: string | undefined): void {
    this.decisions.set(result, (this.decisions.get(result) ?? 0) + 1);
    const key =
      rule === undefined ? 'none' : this.byRule.has(rule) || this.byRule.size < MAX_RULE_LABELS ? rule : 'other';
    this.byRule.set(key, (this.byRule.get(key) ?? 0) + 1);
    this.latencySum += seconds;
    this.latencyCount++;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= (BUCKETS[i] as number)) this.buckets[i]!++;
  }

  fallback(reason: FallbackReason): void {
    this.fallbacks.set(reason, (this.fallbacks.get(reason) ?? 0) + 1);
  }

  decidedOn(thread: DecidedOn): void {
    this.threads.set(thread, (this.threads.get(thread) ?? 0) + 1);
  }

  request(lane: Lane): void {
    this.lanes.set(lane, (this.lanes.get(lane) ?? 0) + 1);
  }

  refuse(status: number): void {
    const k = String(status);
    this.refused.set(k, (this.refused.get(k) ?? 0) + 1);
  }

  reload(ok: boolean): void {
    if (ok) this.reloads.ok++;
    else this.reloads.failed++;
  }

  render(extra: { generation: number; uptime: number; lastReloadOk: boolean }): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const labelled = (name: string, help: string, key: string, values: Iterable<[string, number]>) => {
      family(name, 'counter', help);
      for (const [v, n] of values) out.push(`${name}{${key}="${label(v)}"} ${n}`);
    };
    const gauge = (name: string, help: string, value: number | string) => {
      family(name, 'gauge', help);
      out.push(`${name} ${value}`);
    };
    labelled('tokenmap_decisions_total', 'Callouts answered by the service, by result.', 'result', this.decisions);
    labelled(
      'tokenmap_decisions_by_rule_total',
      'Decisions by deciding rule (FILE:LINE; none, or other past the cap).',
      'rule',
      this.byRule,
    );
    family('tokenmap_decision_seconds', 'histogram', 'Time from request to answer, in the service.');
    BUCKETS.forEach((b, i) => out.push(`tokenmap_decision_seconds_bucket{le="${b}"} ${this.buckets[i]}`));
    out.push(
      `tokenmap_decision_seconds_bucket{le="+Inf"} ${this.latencyCount}`,
      `tokenmap_decision_seconds_sum ${this.latencySum}`,
      `tokenmap_decision_seconds_count ${this.latencyCount}`,
    );
    labelled(
      'tokenmap_fallbacks_total',
      'Callouts sent to the cold path, by reason (as far as the service learns of them).',
      'reason',
      this.fallbacks,
    );
    labelled(
      'tokenmap_requests_refused_total',
      'Requests refused before a decision, by HTTP status.',
      'status',
      this.refused,
    );
    labelled(
      'tokenmap_callout_requests_total',
      'Callout requests decoded and taken up, by lane (socket: the Unix socket; tcp: the fast lane).',
      'lane',
      this.lanes,
    );
    labelled(
      'tokenmap_decisions_by_thread_total',
      'Decisions by where they were made: main (no watchdog needed, a small request) or evaluator.',
      'thread',
      this.threads,
    );
    labelled('tokenmap_reloads_total', 'Rule reloads, by outcome.', 'result', Object.entries(this.reloads));
    gauge('tokenmap_config_generation', 'Generation of the rules in use (1 = as started).', extra.generation);
    gauge(
      'tokenmap_last_reload_ok',
      '1 if the last reload succeeded (or none was needed).',
      extra.lastReloadOk ? 1 : 0,
    );
    gauge('tokenmap_uptime_seconds', 'Seconds since the service started.', extra.uptime.toFixed(3));
    return out.join('\n') + '\n';
  }
}
