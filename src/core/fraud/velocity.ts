/**
 * Velocity counters that live across payments (Redis in production, an embedded store on
 * the Bun host). Counting is idempotent by member: evaluating the same event twice, after a
 * retry or a crash, never counts twice.
 */
export interface VelocityObservation {
  /** The counter's name, e.g. `cards_per_ip_hourly:203.0.113.7`. */
  counter: string;
  /** The set member that makes this observation idempotent, e.g. a payment id or a card fingerprint. */
  member: string;
  /** Added to the total when the member is new: 1 for a count, an amount for a sum. */
  weight: number;
  window_ms: number;
}

export interface VelocityStore {
  /**
   * Records every observation at `now_ms` (a member already present within the window is
   * not added again, and keeps its first time and weight) and returns, in the same order,
   * the total weight of the counter's members within its window, this one included.
   * Throws a TransientError when the store cannot be reached.
   */
  observe(observations: VelocityObservation[], now_ms: number): Promise<number[]>;
}
