/**
 * When the Bun host refuses new webhooks (503 overloaded): when the work already waiting
 * would take too long to process. Acknowledged work is never dropped, so accepting past what
 * processing can absorb would only turn into minutes of lag to Postgres while senders still
 * get 202. A burst that processing drains within the limit is accepted at full speed.
 *
 * What waits is the ingress log (acknowledged, not yet handed to the actor thread, which takes
 * entries only as fast as it processes them). The estimate is its length divided by the
 * fastest rate at which the actor thread took entries, with work waiting, in the last 10 s,
 * and the age of the oldest entry is its floor (right after a start no rate is known yet).
 *
 * The fastest, not the latest: during a burst the HTTP thread is served first (the worker
 * threads run at a lower priority), so processing takes entries more slowly than it will once
 * the burst ends. Measured with the latest rate, bursts of 31,600 events that were all in
 * Postgres 12 s later had 1,159 to 20,883 of their events refused; with the fastest, none
 * (four runs). The last 10 s, not longer: a sustained overload soon has only slow windows
 * left and is refused as before. Remembered for a minute, 4,000 events/s with PostgreSQL was
 * all acknowledged with ack p99 135 ms and Postgres 25 s behind; for 10 s, 17,711 of 80,000
 * got 503, ack p99 36 ms, 11 s behind.
 */
import { DEFAULT_LIMITS } from "../../core/config.ts";

export interface ProcessingBacklogLimits {
  /** Refuse while the waiting work would take longer than this to process. */
  backlog_ms_max: number;
  /** Refuse while this many events wait, whatever the rate (bounds memory). */
  backlog_events_max: number;
}

export const DEFAULT_PROCESSING_BACKLOG_LIMITS: ProcessingBacklogLimits = {
  backlog_ms_max: DEFAULT_LIMITS.processing_backlog_ms_max,
  backlog_events_max: 100_000,
};

/** Deliveries are counted over windows of this length to estimate the rate. */
const RATE_WINDOW_MS = 1_000;
/** How long a busy window's rate counts towards the estimate. */
const RATE_MEMORY_MS = 10_000;

export interface WaitingWork {
  size(): number;
  oldestAgeMs(): number;
}

export class ProcessingBacklog {
  private window_started_ms: number;
  private delivered_in_window = 0;
  private busy_in_window = false;
  /** Entries delivered per millisecond in each busy window of the last RATE_MEMORY_MS, oldest first. */
  private readonly rates: Array<{ at_ms: number; per_ms: number }> = [];

  constructor(
    private readonly waiting: WaitingWork,
    private readonly limits: ProcessingBacklogLimits,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.window_started_ms = clock();
  }

  /** The actor thread took `count` entries. */
  delivered(count: number): void {
    this.sampleRate();
    this.delivered_in_window += count;
    if (this.waiting.size() > 0) this.busy_in_window = true;
  }

  /** How long the waiting work will take to process, in ms, as far as can be told now. */
  drainMs(): number {
    this.sampleRate();
    const waiting = this.waiting.size();
    if (waiting === 0) return 0;
    const waited = this.waiting.oldestAgeMs();
    const rate_per_ms = this.fastestRate();
    if (rate_per_ms === 0) return waited;
    return Math.max(waited, waiting / rate_per_ms);
  }

  overloaded(): boolean {
    const waiting = this.waiting.size();
    if (waiting === 0) return false;
    if (waiting >= this.limits.backlog_events_max) return true;
    return this.drainMs() > this.limits.backlog_ms_max;
  }

  private sampleRate(): void {
    const now = this.clock();
    const elapsed = now - this.window_started_ms;
    if (elapsed < RATE_WINDOW_MS) return;
    // Only a window with work waiting says how fast the actor thread can go.
    if (this.busy_in_window && this.delivered_in_window > 0) this.rates.push({ at_ms: now, per_ms: this.delivered_in_window / elapsed });
    this.window_started_ms = now;
    this.delivered_in_window = 0;
    this.busy_in_window = this.waiting.size() > 0;
  }

  /** The fastest busy window's rate in the last RATE_MEMORY_MS, or 0 when there was none. */
  private fastestRate(): number {
    const now = this.clock();
    while (this.rates.length > 0 && now - this.rates[0]!.at_ms > RATE_MEMORY_MS) this.rates.shift();
    let fastest = 0;
    for (const { per_ms } of this.rates) fastest = Math.max(fastest, per_ms);
    return fastest;
  }
}
