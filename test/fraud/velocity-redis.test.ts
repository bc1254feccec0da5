/**
 * The Redis velocity store (src/velocity/upstash-redis.ts) through @upstash/redis, the
 * Upstash REST protocol (scripts/redis-dev) and a real redis-server: the shared contract,
 * then what only Redis has (TTLs, round trips, the script cache, outages).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DependencyUnavailableError, TransientError } from "../../src/core/errors.ts";
import { assessFraud } from "../../src/core/fraud/assess-fraud.ts";
import { DEFAULT_FRAUD_RULES } from "../../src/core/fraud/default-rules.ts";
import type { VelocityObservation } from "../../src/core/fraud/velocity.ts";
import { MemoryVelocityStore } from "../support/memory-velocity-store.ts";
import { UpstashVelocityStore } from "../../src/velocity/upstash-redis.ts";
import { startRedisRestServer } from "../../scripts/redis-dev/rest-server.ts";
import { ErrorReply } from "../../scripts/redis-dev/resp.ts";
import { withRedis } from "../support/redis-suite.ts";
import { runVelocityContract } from "./velocity-contract.ts";

const HOUR_MS = 60 * 60 * 1000;
const T0_MS = Date.UTC(2026, 10, 21, 10, 0, 0);

await withRedis("Redis velocity store", ({ rest, direct }) => {
  const store = (key_prefix = `velocity-test-${crypto.randomUUID()}:`, ttl_grace_ms?: number) =>
    new UpstashVelocityStore({ url: rest.url, token: rest.token, key_prefix, ttl_grace_ms });
  const requests = () => [...rest.requests.values()].reduce((sum, count) => sum + count, 0);
  const commands = (name: string) => rest.requests.get(name) ?? 0;

  runVelocityContract("Redis through the Upstash REST protocol", () => store());

  test("keys carry the TTL of their newest member's window, plus the grace for clock skew", async () => {
    const prefix = `velocity-ttl-${crypto.randomUUID()}:`;
    const now_ms = Date.now();
    const velocity = store(prefix, 5_000);
    await velocity.observe([{ counter: "c", member: "m1", weight: 1, window_ms: 60_000 }], now_ms - 30_000);
    await velocity.observe([{ counter: "c", member: "m2", weight: 1, window_ms: 60_000 }], now_ms);
    for (const suffix of ["at", "weight", "total"]) {
      const [ttl] = await direct.send([["PTTL", `${prefix}{c}:${suffix}`]]);
      expect(ttl as number).toBeGreaterThan(30_000 + 5_000);
      expect(ttl as number).toBeLessThanOrEqual(60_000 + 5_000);
    }
  });

  test("a counter nobody observes again disappears when its window has passed", async () => {
    const prefix = `velocity-expiry-${crypto.randomUUID()}:`;
    await store(prefix, 0).observe([{ counter: "c", member: "m", weight: 5, window_ms: 50 }], Date.now());
    const keys = ["at", "weight", "total"].map((suffix) => `${prefix}{c}:${suffix}`);
    // Redis expires keys on its own clock; wait for it, bounded.
    let remaining = keys.length;
    for (let waited_ms = 0; remaining > 0 && waited_ms < 5_000; waited_ms += 25) {
      await Bun.sleep(25);
      const [exists] = await direct.send([["EXISTS", ...keys]]);
      remaining = exists as number;
    }
    expect(remaining).toBe(0);
  });

  test("one evaluation is one round trip; after the script cache is flushed, two (NOSCRIPT, then EVAL) and one again", async () => {
    const velocity = store();
    const event = evaluationEvent("pay_rt_1");
    await assessFraud(DEFAULT_FRAUD_RULES, velocity, event, T0_MS);
    let before = requests();
    await assessFraud(DEFAULT_FRAUD_RULES, velocity, evaluationEvent("pay_rt_2"), T0_MS + 1);
    expect(requests() - before).toBe(1);

    await direct.send([["SCRIPT", "FLUSH"]]);
    before = requests();
    const evals_before = commands("EVAL");
    await assessFraud(DEFAULT_FRAUD_RULES, velocity, evaluationEvent("pay_rt_3"), T0_MS + 2);
    expect(requests() - before).toBe(2);
    expect(commands("EVAL") - evals_before).toBe(1);
    before = requests();
    await assessFraud(DEFAULT_FRAUD_RULES, velocity, evaluationEvent("pay_rt_4"), T0_MS + 3);
    expect(requests() - before).toBe(1);
    // The store counts what the server saw: 4 evaluations, 5 round trips.
    expect([velocity.evaluations, velocity.round_trips]).toEqual([4, 5]);
  });

  test("a replayed evaluation of the same payment counts once on every counter", async () => {
    const velocity = store();
    const first = await assessFraud(DEFAULT_FRAUD_RULES, velocity, evaluationEvent("pay_replay"), T0_MS);
    const again = await assessFraud(DEFAULT_FRAUD_RULES, velocity, evaluationEvent("pay_replay"), T0_MS + 5_000);
    expect(again.attributes).toEqual(first.attributes);
    expect(first.attributes.payments_per_card_hourly).toBe(1);
    expect(first.attributes.amount_per_customer_daily).toBe(1999);
  });

  test("a script error is a TransientError that spends attempts, not an outage", async () => {
    const prefix = `velocity-wrongtype-${crypto.randomUUID()}:`;
    const [set] = await direct.send([["SET", `${prefix}{c}:at`, "not a sorted set"]]);
    expect(set).not.toBeInstanceOf(ErrorReply);
    const failing = new UpstashVelocityStore({ url: rest.url, token: rest.token, key_prefix: prefix });
    const error = await failing.observe([{ counter: "c", member: "m", weight: 1, window_ms: HOUR_MS }], T0_MS).catch((caught) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(DependencyUnavailableError);
    expect(String(error.message)).toContain("WRONGTYPE");
  });

  test("a Redis behind the REST server that is down is an outage (DependencyUnavailableError)", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const closed_port = listener.port;
    listener.stop(true);
    const orphan = startRedisRestServer({ redis_url: `redis://127.0.0.1:${closed_port}`, token: "t" });
    const velocity = new UpstashVelocityStore({ url: orphan.url, token: "t" });
    await expect(velocity.observe([{ counter: "c", member: "m", weight: 1, window_ms: HOUR_MS }], T0_MS)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await orphan.stop();
  });

  test("Redis and the memory store agree on any sequence of observations", async () => {
    const observation = fc.record({
      counter: fc.constantFrom("a", "b"),
      member: fc.constantFrom("m1", "m2", "m3", "m4"),
      weight: fc.integer({ min: 1, max: 1000 }),
      window_ms: fc.constantFrom(HOUR_MS, 24 * HOUR_MS),
    });
    const call = fc.record({ advance_ms: fc.integer({ min: 0, max: 2 * HOUR_MS }), observations: fc.array(observation, { maxLength: 4 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(call, { maxLength: 15 }), async (calls) => {
        const memory = new MemoryVelocityStore();
        const redis = store();
        let now_ms = T0_MS;
        for (const { advance_ms, observations } of calls) {
          now_ms += advance_ms;
          expect(await redis.observe(observations as VelocityObservation[], now_ms)).toEqual(await memory.observe(observations, now_ms));
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe("Redis velocity store without a server", () => {
  test("nothing listening is an outage (DependencyUnavailableError)", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const closed_port = listener.port;
    listener.stop(true);
    const velocity = new UpstashVelocityStore({ url: `http://127.0.0.1:${closed_port}`, token: "t" });
    await expect(velocity.observe([{ counter: "c", member: "m", weight: 1, window_ms: HOUR_MS }], T0_MS)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  test("a server that does not answer within the timeout is an outage", async () => {
    const silent = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Promise<Response>(() => {}) });
    const velocity = new UpstashVelocityStore({ url: `http://127.0.0.1:${silent.port}`, token: "t", timeout_ms: 50 });
    const error = await velocity.observe([{ counter: "c", member: "m", weight: 1, window_ms: HOUR_MS }], T0_MS).catch((caught) => caught);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error.message).toContain("timed out");
    silent.stop(true);
  });
});

function evaluationEvent(payment_id: string) {
  return {
    id: `evt_${payment_id}`,
    type: "payment.created" as const,
    payment_id,
    occurred_at: "2026-11-21T10:00:00Z",
    data: {
      amount: 1999,
      currency: "USD",
      merchant_id: "m_1",
      customer_id: `c_${payment_id}`,
      card: { fingerprint: `fp_${payment_id}`, country: "US" },
      ip: "203.0.113.7",
      ip_country: "US",
    },
  };
}
