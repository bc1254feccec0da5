/**
 * The VelocityStore on Redis through `@upstash/redis` (the only module that imports it),
 * used by both hosts when UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are set.
 *
 * Each counter is three keys sharing one hash tag, so they stay together on a cluster:
 *   velocity:{counter}:at      sorted set, member -> time first observed (ms): the window
 *   velocity:{counter}:weight  hash, member -> weight
 *   velocity:{counter}:total   the sum of the weights of the members in the window
 * One Lua script observes every counter of an evaluation atomically: one round trip (EVALSHA;
 * EVAL only after Redis lost its script cache, answering NOSCRIPT). Exact sliding windows:
 * members are trimmed by time, never bucketed. A member already present is not added again,
 * so a retried evaluation never counts twice. Every key's TTL is set to when its newest
 * member leaves the window, so a counter nobody observes again disappears by itself.
 *
 * Times are the caller's clock (now_ms), never Redis's; the TTL is relative, so a skew
 * between the two only shifts when keys disappear, never what is counted.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { DependencyUnavailableError, errorMessage, TransientError } from "../core/errors.ts";
import type { VelocityObservation, VelocityStore } from "../core/fraud/velocity.ts";
import { checkObservations } from "./retention.ts";

const OBSERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local grace = tonumber(ARGV[2])
local totals = {}
for i = 1, #KEYS / 3 do
  local at_key, weight_key, total_key = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local member, weight, window = ARGV[3 * i], ARGV[3 * i + 1], tonumber(ARGV[3 * i + 2])
  local cutoff = now - window
  local expired = redis.call('ZRANGEBYSCORE', at_key, '-inf', cutoff)
  if #expired > 0 then
    local removed = 0
    for first = 1, #expired, 1000 do
      local chunk = { unpack(expired, first, math.min(first + 999, #expired)) }
      local weights = redis.call('HMGET', weight_key, unpack(chunk))
      for j = 1, #weights do
        if weights[j] then removed = removed + tonumber(weights[j]) end
      end
      redis.call('HDEL', weight_key, unpack(chunk))
    end
    redis.call('ZREMRANGEBYSCORE', at_key, '-inf', cutoff)
    redis.call('DECRBY', total_key, removed)
  end
  if redis.call('ZADD', at_key, 'NX', now, member) == 1 then
    redis.call('HSET', weight_key, member, weight)
    redis.call('INCRBY', total_key, weight)
  end
  local newest = redis.call('ZRANGE', at_key, -1, -1, 'WITHSCORES')
  local ttl = math.max(1, tonumber(newest[2]) + window - now + grace)
  redis.call('PEXPIRE', at_key, ttl)
  redis.call('PEXPIRE', weight_key, ttl)
  redis.call('PEXPIRE', total_key, ttl)
  totals[i] = tonumber(redis.call('GET', total_key))
end
return totals
`;

/** How long one evaluation may wait for Redis before it counts as unavailable. */
export const REDIS_TIMEOUT_MS_DEFAULT = 1_000;
export const REDIS_TTL_GRACE_MS_DEFAULT = 60_000;

export interface UpstashVelocityOptions {
  url: string;
  token: string;
  /** UPSTASH_REDIS_TIMEOUT_MS: the whole request, connect to last byte. */
  timeout_ms?: number;
  /**
   * Added to every TTL: callers' clocks differ (Workers, a host that restarted), and a key
   * must not vanish while a caller whose clock is behind still counts it in the window.
   */
  ttl_grace_ms?: number;
  /** Prefix of every key; tests use their own. */
  key_prefix?: string;
}

/** Redis error codes that mean the server cannot serve now, not that the command is wrong. */
const UNAVAILABLE_REPLIES = /^(UNAVAILABLE|LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

export class UpstashVelocityStore implements VelocityStore {
  /** HTTP requests sent to Redis (EVALSHA, and EVAL after NOSCRIPT): the round trips. */
  round_trips = 0;
  /** observe() calls that reached Redis: one per fraud evaluation. */
  evaluations = 0;
  private readonly script;
  private readonly key_prefix: string;
  private readonly ttl_grace_ms: number;

  constructor(options: UpstashVelocityOptions) {
    const timeout_ms = options.timeout_ms ?? REDIS_TIMEOUT_MS_DEFAULT;
    const redis = new Redis({
      url: options.url,
      token: options.token,
      // The actor retries with backoff and the breaker fails fast; the SDK's own retries
      // would only multiply the wait behind one timeout.
      retry: { retries: 0 },
      // A function, so each request gets a fresh timeout; the SDK then rethrows the abort
      // instead of answering it as a result.
      signal: () => AbortSignal.timeout(timeout_ms),
      enableTelemetry: false,
      automaticDeserialization: false,
      // The SDK batches concurrent commands into /pipeline by default: fewer requests, but
      // then one evaluation's timeout and errors depend on the others in its batch. One
      // request per evaluation keeps each failure its own, and the round trips countable.
      enableAutoPipelining: false,
    });
    this.script = redis.createScript<number[]>(OBSERVE_SCRIPT);
    this.key_prefix = options.key_prefix ?? "velocity:";
    this.ttl_grace_ms = options.ttl_grace_ms ?? REDIS_TTL_GRACE_MS_DEFAULT;
  }

  async observe(observations: VelocityObservation[], now_ms: number): Promise<number[]> {
    checkObservations(observations, now_ms);
    if (observations.length === 0) return [];
    const keys: string[] = [];
    const args: string[] = [String(now_ms), String(this.ttl_grace_ms)];
    for (const { counter, member, weight, window_ms } of observations) {
      const base = `${this.key_prefix}{${counter}}`;
      keys.push(`${base}:at`, `${base}:weight`, `${base}:total`);
      args.push(member, String(weight), String(window_ms));
    }
    let totals: unknown;
    this.evaluations += 1;
    try {
      totals = await this.run(keys, args);
    } catch (error) {
      throw classify(error);
    }
    if (!Array.isArray(totals) || totals.length !== observations.length || !totals.every((total) => Number.isSafeInteger(Number(total)))) {
      throw new TransientError(`redis velocity script answered ${JSON.stringify(totals)}, not ${observations.length} totals`);
    }
    return totals.map(Number);
  }

  /** EVALSHA; EVAL only when Redis lost its script cache (a restart, SCRIPT FLUSH). */
  private async run(keys: string[], args: string[]): Promise<unknown> {
    this.round_trips += 1;
    try {
      return await this.script.evalsha(keys, args);
    } catch (error) {
      if (!/NOSCRIPT/i.test(errorMessage(error))) throw error;
    }
    this.round_trips += 1;
    return this.script.eval(keys, args);
  }
}

/**
 * Redis did not answer (network, timeout, a proxy in front of it that cannot reach it, a
 * body that is not the protocol's JSON): unavailable, an outage. Redis answered an error
 * (a script error, a wrong token): a transient failure that spends the message's attempts.
 */
function classify(error: unknown): TransientError {
  const message = errorMessage(error);
  const name = error instanceof Error ? error.name : "";
  const answered = name === "UpstashError" && !UNAVAILABLE_REPLIES.test(message);
  if (answered) return new TransientError(`redis velocity: ${message}`, { cause: error });
  const why = name === "TimeoutError" || name === "AbortError" ? "timed out" : "unreachable";
  return new DependencyUnavailableError("redis", `redis velocity ${why}: ${message}`, { cause: error });
}
