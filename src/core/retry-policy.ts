/** Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export interface RetryPolicy {
  attempts_max: number;
  backoff_ms_initial: number;
  backoff_ms_max: number;
}

/** Doubling from `initial` after each failure, capped: the delay after `attempts` failures. */
export function cappedBackoffMs(attempts: number, initial_ms: number, max_ms: number): number {
  return Math.min(max_ms, initial_ms * 2 ** Math.max(0, attempts - 1));
}

/**
 * Delay before the attempt after `attempts` failed ones. Full jitter spreads retries of many
 * actors that failed together (Redis down) so they do not return as one wave; half the
 * delay is kept fixed so a retry never comes back at once.
 */
export function retryDelayMs(attempts: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = cappedBackoffMs(attempts, policy.backoff_ms_initial, policy.backoff_ms_max);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
