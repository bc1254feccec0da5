/**
 * What both embedded stores share: checking observations and sweeping counters that are
 * never observed again. Expiry on observe only trims the counter being observed, so
 * without a sweep a one-off IP or card would keep its rows forever.
 */
import { PermanentError } from "../core/errors.ts";
import type { VelocityObservation } from "../core/fraud/velocity.ts";

export interface VelocityRetentionOptions {
  /**
   * Members older than this are deleted from every counter. Default 24 h, the longest window
   * of the fraud attributes; a longer window observed since start is always kept whole.
   */
  retention_ms?: number;
  /** How often, in observed time, the sweep runs. Default 10 minutes. */
  sweep_interval_ms?: number;
}

export const VELOCITY_RETENTION_MS_DEFAULT = 24 * 60 * 60 * 1000;
export const VELOCITY_SWEEP_INTERVAL_MS_DEFAULT = 10 * 60 * 1000;

export class SweepSchedule {
  private readonly sweep_interval_ms: number;
  private window_ms_max: number;
  private swept_at_ms = Number.NEGATIVE_INFINITY;

  constructor(options: VelocityRetentionOptions = {}) {
    this.window_ms_max = options.retention_ms ?? VELOCITY_RETENTION_MS_DEFAULT;
    this.sweep_interval_ms = options.sweep_interval_ms ?? VELOCITY_SWEEP_INTERVAL_MS_DEFAULT;
  }

  /** The cutoff (delete members observed at or before it) when a sweep is due, else null. */
  due(observations: readonly VelocityObservation[], now_ms: number): number | null {
    for (const observation of observations) {
      this.window_ms_max = Math.max(this.window_ms_max, observation.window_ms);
    }
    if (now_ms - this.swept_at_ms < this.sweep_interval_ms) return null;
    this.swept_at_ms = now_ms;
    return now_ms - this.window_ms_max;
  }
}

/** A malformed observation is a bug in the caller; retrying it cannot help. */
export function checkObservations(observations: readonly VelocityObservation[], now_ms: number): void {
  if (!Number.isSafeInteger(now_ms)) throw new PermanentError(`velocity: now_ms must be an integer, got ${now_ms}`);
  for (const { counter, member, weight, window_ms } of observations) {
    const where = `velocity counter ${JSON.stringify(counter)}`;
    if (counter === "" || member === "") throw new PermanentError(`${where}: counter and member must be non-empty`);
    if (!Number.isSafeInteger(weight) || weight <= 0) throw new PermanentError(`${where}: weight must be a positive integer, got ${weight}`);
    if (!Number.isSafeInteger(window_ms) || window_ms <= 0) throw new PermanentError(`${where}: window_ms must be a positive integer, got ${window_ms}`);
  }
}
