/**
 * The Cloudflare host's VelocityStore: Redis when UPSTASH_REDIS_REST_* are set, else the
 * Durable Object shards. The Redis store and its circuit breaker are built once per isolate
 * and shared by the actors it hosts, so one isolate's actors learn of an outage together;
 * /health and /metrics report the breaker of the isolate that answers them.
 */
import type { VelocityStore } from "../../core/fraud/velocity.ts";
import type { HealthCheck } from "../../http/ports.ts";
import type { CircuitBreakerVelocityStore } from "../../velocity/circuit-breaker.ts";
import { redisHealthCheck, redisVelocityStore, registerRedisVelocityMetrics } from "../redis-velocity.ts";
import type { ActorConfig } from "./config.ts";
import type { CloudflareEnv } from "./env.ts";
import { isolateRegistry } from "./isolate.ts";
import { DurableObjectVelocityStore } from "./velocity.ts";

let breaker: CircuitBreakerVelocityStore | null = null;

export function velocityStore(env: CloudflareEnv, config: ActorConfig): VelocityStore {
  if (config.velocity.store === "durable-objects") return new DurableObjectVelocityStore(env, config.velocity.shard_count);
  return isolateBreaker(config.velocity.redis);
}

/** The Redis health check, when Redis is configured. */
export function velocityHealthChecks(config: ActorConfig): HealthCheck[] {
  return config.velocity.store === "upstash" ? [redisHealthCheck(isolateBreaker(config.velocity.redis))] : [];
}

function isolateBreaker(redis: Extract<ActorConfig["velocity"], { store: "upstash" }>["redis"]): CircuitBreakerVelocityStore {
  if (breaker === null) {
    const velocity = redisVelocityStore(redis);
    registerRedisVelocityMetrics(isolateRegistry(), velocity);
    breaker = velocity.store;
  }
  return breaker;
}
