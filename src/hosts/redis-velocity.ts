/**
 * The Redis velocity store as both hosts wire it: @upstash/redis behind the circuit breaker,
 * the breaker's state in /health and /metrics.
 */
import type { HealthCheck } from "../http/ports.ts";
import type { MetricsRegistry } from "../http/metrics.ts";
import { CircuitBreakerVelocityStore, type BreakerState } from "../velocity/circuit-breaker.ts";
import { UpstashVelocityStore } from "../velocity/upstash-redis.ts";
import type { RedisVelocityConfig } from "../velocity/velocity-config.ts";

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export interface RedisVelocity {
  /** What the actors call: Redis behind the breaker. */
  store: CircuitBreakerVelocityStore;
  redis: UpstashVelocityStore;
}

export function redisVelocityStore(config: RedisVelocityConfig, clock: () => number = Date.now): RedisVelocity {
  const redis = new UpstashVelocityStore({ url: config.url, token: config.token, timeout_ms: config.timeout_ms });
  return { store: new CircuitBreakerVelocityStore(redis, config.breaker, "redis", clock), redis };
}

/** Fails while the breaker is open: fraud evaluation is waiting for Redis (or degraded). */
export function redisHealthCheck(breaker: CircuitBreakerVelocityStore): HealthCheck {
  return {
    name: "redis",
    async check() {
      const snapshot = breaker.snapshot();
      if (snapshot.state === "open") {
        throw new Error(`circuit breaker open after ${snapshot.failures} outages in a row; next probe at ${new Date(snapshot.probe_at_ms!).toISOString()}`);
      }
      return { breaker: snapshot.state, opened_total: snapshot.opened_total };
    },
  };
}

export function registerRedisVelocityMetrics(registry: MetricsRegistry, { store: breaker, redis }: RedisVelocity): void {
  registry.gauge("velocity_redis_evaluations", "Fraud evaluations sent to Redis since start.", () => redis.evaluations);
  registry.gauge("velocity_redis_round_trips", "HTTP requests to Redis since start (EVALSHA, and EVAL after NOSCRIPT): about one per evaluation.", () => redis.round_trips);
  registry.gauge("velocity_breaker_state", "The Redis velocity store's circuit breaker: 0 closed, 1 half open (probing), 2 open.", () => STATE_VALUE[breaker.snapshot().state]);
  registry.gauge("velocity_breaker_opened", "Times the Redis velocity store's circuit breaker opened since start.", () => breaker.snapshot().opened_total);
  registry.gauge("velocity_breaker_rejected", "Velocity calls the open circuit breaker refused without calling Redis.", () => breaker.snapshot().rejected_total);
}
