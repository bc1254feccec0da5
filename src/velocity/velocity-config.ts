/**
 * The velocity store's variables, read by both hosts (DESIGN.md section 11):
 *
 *   UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN  both or neither; set: Redis
 *   UPSTASH_REDIS_TIMEOUT_MS          one evaluation's whole request to Redis (default 1000)
 *   UPSTASH_REDIS_BREAKER_FAILURES    outages in a row that open the breaker (default 3)
 *   UPSTASH_REDIS_BREAKER_OPEN_MS     how long it stays open before a probe (default 5000)
 *   FRAUD_FAIL_OPEN                   `true` or `false` (default: the rules' `fail_open`, else false)
 */
import * as v from "valibot";
import { integerSetting, parseEnvironment, parseRedisConfig, type Environment } from "../core/config.ts";
import { fail, ok, type Result } from "../core/result.ts";
import { CIRCUIT_BREAKER_DEFAULTS, type CircuitBreakerOptions } from "./circuit-breaker.ts";
import { REDIS_TIMEOUT_MS_DEFAULT } from "./upstash-redis.ts";

export interface RedisVelocityConfig {
  url: string;
  token: string;
  timeout_ms: number;
  breaker: CircuitBreakerOptions;
}

export interface VelocityConfig {
  /** null: the host's own store (embedded SQLite on Bun, Durable Object shards on Cloudflare). */
  redis: RedisVelocityConfig | null;
  /** null when FRAUD_FAIL_OPEN is unset: the rules file decides. */
  fraud_fail_open: boolean | null;
}

const TUNING_VARIABLES = ["UPSTASH_REDIS_TIMEOUT_MS", "UPSTASH_REDIS_BREAKER_FAILURES", "UPSTASH_REDIS_BREAKER_OPEN_MS"];

/** Each variable on its own (valibot); whether Redis is configured is decided below. */
const VELOCITY_ENVIRONMENT = v.object({
  FRAUD_FAIL_OPEN: v.pipe(
    v.optional(v.string(), ""),
    v.check((raw) => ["", "true", "false"].includes(raw.trim().toLowerCase()), (issue) => `FRAUD_FAIL_OPEN must be true or false, got "${String(issue.input)}"`),
    v.transform((raw) => (raw.trim() === "" ? null : raw.trim().toLowerCase() === "true")),
  ),
  UPSTASH_REDIS_TIMEOUT_MS: integerSetting("UPSTASH_REDIS_TIMEOUT_MS", REDIS_TIMEOUT_MS_DEFAULT, { min: 10, max: 60_000 }),
  UPSTASH_REDIS_BREAKER_FAILURES: integerSetting("UPSTASH_REDIS_BREAKER_FAILURES", CIRCUIT_BREAKER_DEFAULTS.failures_max, { min: 1, max: 1_000 }),
  UPSTASH_REDIS_BREAKER_OPEN_MS: integerSetting("UPSTASH_REDIS_BREAKER_OPEN_MS", CIRCUIT_BREAKER_DEFAULTS.open_ms, { min: 100, max: 10 * 60_000 }),
});

export function parseVelocityConfig(env: Environment): Result<VelocityConfig> {
  const fail_open = parseEnvironment(v.object({ FRAUD_FAIL_OPEN: VELOCITY_ENVIRONMENT.entries.FRAUD_FAIL_OPEN }), env);
  if (!fail_open.ok) return fail_open;
  const fraud_fail_open = fail_open.value.FRAUD_FAIL_OPEN;
  const credentials = parseRedisConfig(env);
  if (!credentials.ok) return credentials;
  if (credentials.value === null) {
    // Set but silently ignored would be worse than refused.
    const stray = TUNING_VARIABLES.find((name) => env[name]?.trim());
    if (stray) return fail("invalid_config", `${stray} is set, but UPSTASH_REDIS_REST_URL is not: set both UPSTASH_REDIS_REST_* to use Redis, or unset ${stray}`);
    return ok({ redis: null, fraud_fail_open });
  }
  const variables = parseEnvironment(VELOCITY_ENVIRONMENT, env);
  if (!variables.ok) return variables;
  const { UPSTASH_REDIS_TIMEOUT_MS: timeout_ms, UPSTASH_REDIS_BREAKER_FAILURES: failures_max, UPSTASH_REDIS_BREAKER_OPEN_MS: open_ms } = variables.value;
  return ok({ redis: { ...credentials.value, timeout_ms, breaker: { failures_max, open_ms } }, fraud_fail_open });
}
