/**
 * When the Bun host refuses new webhooks (503 overloaded): when the work already waiting
 * would take too long to process. Acknowledged work is never dropped, so accepting past what
 * processing can absorb would only turn into minutes of lag to Postgres and, for senders, a
 * backlog that still answers 202. A burst that processing drains within the limit is
 * accepted at full speed.
 *
 * The estimate is the number of actors waiting for processing divided by the rate at which
 * processing has lately been finishing them, and the age of the oldest waiting one as a floor
 * (right after a start the rate is not known yet).
 */
import type { AlarmScheduler } from "../../../actors/bun/alarm-scheduler.ts";

export interface ProcessingBacklogLimits {
  /** Refuse while the waiting work would take longer than this to process. */
  backlog_ms_max: number;
  /** Refuse while this many actors wait, whatever the rate (bounds memory). */
  backlog_actors_max: number;
}

export const DEFAULT_PROCESSING_BACKLOG_LIMITS: ProcessingBacklogLimits = {
  backlog_ms_max: 5_000,
  backlog_actors_max: 100_000,
};

/** Handler completions are counted over windows of this length to estimate the rate. */
const RATE_WINDOW_MS = 1_000;

export class ProcessingBacklog {
  private window_started_ms: number;
  private window_completed_at_start: number;
  /** Handlers finished per millisecond in the last full window; null until one was busy. */
  private rate_per_ms: number | null = null;

  constructor(
    private readonly scheduler: AlarmScheduler,
    private readonly limits: ProcessingBacklogLimits,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.window_started_ms = clock();
    this.window_completed_at_start = scheduler.completed;
  }

  /** Actors with due work waiting for a place. */
  size(): number {
    return this.scheduler.due();
  }

  /** How long the waiting work will take to process, in ms, as far as can be told now. */
  drainMs(): number {
    this.sampleRate();
    const waiting = this.scheduler.due();
    if (waiting === 0) return 0;
    const waited = this.scheduler.dueAgeMs();
    if (this.rate_per_ms === null || this.rate_per_ms === 0) return waited;
    return Math.max(waited, waiting / this.rate_per_ms);
  }

  overloaded(): boolean {
    const waiting = this.scheduler.due();
    if (waiting === 0) return false;
    if (waiting >= this.limits.backlog_actors_max) return true;
    return this.drainMs() > this.limits.backlog_ms_max;
  }

  private sampleRate(): void {
    const now = this.clock();
    const elapsed = now - this.window_started_ms;
    if (elapsed < RATE_WINDOW_MS) return;
    const completed = this.scheduler.completed - this.window_completed_at_start;
    // Only a window with work waiting throughout says how fast processing can go.
    if (completed > 0 && this.scheduler.due() > 0) this.rate_per_ms = completed / elapsed;
    this.window_started_ms = now;
    this.window_completed_at_start = this.scheduler.completed;
  }
}
