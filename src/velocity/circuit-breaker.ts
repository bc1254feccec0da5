/**
 * A circuit breaker in front of a VelocityStore (DESIGN.md section 7). While the store is
 * down it stops calling it, so actors fail fast instead of each waiting out a timeout, and
 * it probes again after a pause:
 *
 *   closed     calls go through; `failures_max` outages in a row open it
 *   open       calls fail at once with DependencyUnavailableError (retry_at_ms: the probe)
 *   half_open  the pause is over: one call goes through as the probe, others fail fast;
 *              the probe's success closes the breaker, its outage opens it again
 *
 * Only outages (DependencyUnavailableError: no answer, a timeout) count. An error Redis
 * answered (a script error) says Redis is up, and resets the count.
 */
import { DependencyUnavailableError, isDependencyUnavailable } from "../core/errors.ts";
import type { VelocityObservation, VelocityStore } from "../core/fraud/velocity.ts";

export type BreakerState = "closed" | "open" | "half_open";

export interface CircuitBreakerOptions {
  /** UPSTASH_REDIS_BREAKER_FAILURES: outages in a row that open the breaker. */
  failures_max: number;
  /** UPSTASH_REDIS_BREAKER_OPEN_MS: how long it stays open before a probe. */
  open_ms: number;
}

export const CIRCUIT_BREAKER_DEFAULTS: CircuitBreakerOptions = { failures_max: 3, open_ms: 5_000 };

export interface BreakerSnapshot {
  dependency: string;
  state: BreakerState;
  /** Outages in a row while closed. */
  failures: number;
  /** Times the breaker opened since start (a probe that fails counts again). */
  opened_total: number;
  /** Calls refused without calling the store. */
  rejected_total: number;
  /** When the next probe may run, while open. */
  probe_at_ms: number | null;
}

export class CircuitBreakerVelocityStore implements VelocityStore {
  private current: BreakerState = "closed";
  private failures = 0;
  private opened_total = 0;
  private rejected_total = 0;
  private probe_at_ms = 0;
  private probing = false;

  constructor(
    private readonly store: VelocityStore,
    private readonly options: CircuitBreakerOptions = CIRCUIT_BREAKER_DEFAULTS,
    private readonly dependency = "redis",
    private readonly clock: () => number = Date.now,
  ) {}

  async observe(observations: VelocityObservation[], now_ms: number): Promise<number[]> {
    const wall_ms = this.clock();
    if (this.current === "open" && wall_ms >= this.probe_at_ms) this.current = "half_open";
    if (this.current === "open" || (this.current === "half_open" && this.probing)) {
      this.rejected_total += 1;
      const retry_at_ms = this.current === "open" ? this.probe_at_ms : wall_ms + this.options.open_ms;
      throw new DependencyUnavailableError(this.dependency, `${this.dependency} circuit breaker is ${this.current}: not calling it until ${new Date(retry_at_ms).toISOString()}`, { retry_at_ms });
    }
    const probe = this.current === "half_open";
    if (probe) this.probing = true;
    try {
      const totals = await this.store.observe(observations, now_ms);
      this.close();
      return totals;
    } catch (error) {
      if (isDependencyUnavailable(error)) this.failed(probe);
      else this.close();
      throw error;
    } finally {
      if (probe) this.probing = false;
    }
  }

  snapshot(): BreakerSnapshot {
    if (this.current === "open" && this.clock() >= this.probe_at_ms) this.current = "half_open";
    return {
      dependency: this.dependency,
      state: this.current,
      failures: this.failures,
      opened_total: this.opened_total,
      rejected_total: this.rejected_total,
      probe_at_ms: this.current === "closed" ? null : this.probe_at_ms,
    };
  }

  private close(): void {
    this.current = "closed";
    this.failures = 0;
  }

  private failed(probe: boolean): void {
    this.failures += 1;
    if (!probe && this.failures < this.options.failures_max) return;
    this.current = "open";
    this.opened_total += 1;
    this.probe_at_ms = this.clock() + this.options.open_ms;
  }
}
