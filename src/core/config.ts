/**
 * Configuration shared by both hosts (DESIGN.md section 11), validated with messages that
 * name the variable. Pure: the host passes its environment in.
 */
import { fail, ok, type Result } from "./result.ts";

export type Environment = Record<string, string | undefined>;

export interface Limits {
  retry_attempts_max: number;
  hold_timeout_ms: number;
  body_bytes_max: number;
}

export const DEFAULT_LIMITS: Limits = {
  retry_attempts_max: 3,
  hold_timeout_ms: 15 * 60_000,
  body_bytes_max: 256 * 1024,
};

/** Reads an optional integer variable within bounds; unset or empty means the default. */
export function integerVariable(
  env: Environment,
  name: string,
  fallback: number,
  bounds: { min: number; max: number },
): Result<number> {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return ok(fallback);
  if (!/^\d+$/.test(raw)) return fail("invalid_config", `${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < bounds.min || value > bounds.max) {
    return fail("invalid_config", `${name} must be between ${bounds.min} and ${bounds.max}, got ${value}`);
  }
  return ok(value);
}

export function parseLimits(env: Environment): Result<Limits> {
  const attempts = integerVariable(env, "RETRY_ATTEMPTS_MAX", DEFAULT_LIMITS.retry_attempts_max, { min: 1, max: 100 });
  if (!attempts.ok) return attempts;
  const hold = integerVariable(env, "HOLD_TIMEOUT_MS", DEFAULT_LIMITS.hold_timeout_ms, { min: 1, max: 30 * 24 * 3_600_000 });
  if (!hold.ok) return hold;
  const body = integerVariable(env, "BODY_BYTES_MAX", DEFAULT_LIMITS.body_bytes_max, { min: 1024, max: 16 * 1024 * 1024 });
  if (!body.ok) return body;
  return ok({ retry_attempts_max: attempts.value, hold_timeout_ms: hold.value, body_bytes_max: body.value });
}

/** Both Upstash Redis variables or neither. */
export function parseRedisConfig(env: Environment): Result<{ url: string; token: string } | null> {
  const url = env.UPSTASH_REDIS_REST_URL?.trim() ?? "";
  const token = env.UPSTASH_REDIS_REST_TOKEN?.trim() ?? "";
  if (url === "" && token === "") return ok(null);
  if (url === "") return fail("invalid_config", "UPSTASH_REDIS_REST_URL must be set when UPSTASH_REDIS_REST_TOKEN is");
  if (token === "") return fail("invalid_config", "UPSTASH_REDIS_REST_TOKEN must be set when UPSTASH_REDIS_REST_URL is");
  if (!/^https?:\/\/[^\s]+$/.test(url)) return fail("invalid_config", `UPSTASH_REDIS_REST_URL must be an http(s) URL, got "${url}"`);
  return ok({ url, token });
}
