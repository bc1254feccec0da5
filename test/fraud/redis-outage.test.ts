/**
 * Redis killed (SIGKILL) in the middle of a bounded stream of payments into the Bun host,
 * then restarted: no event is lost, none is dead-lettered, none is counted twice, and the
 * breaker opens and closes (its metrics show it). With FRAUD_FAIL_OPEN the payments decided
 * during the outage are marked degraded instead of waiting.
 *
 * Bounded by REDIS_OUTAGE_EVENTS (default 600) sent over REDIS_OUTAGE_STREAM_SECONDS
 * (default 6); Redis is down for the middle third. The issue's 5,000 events over 60 s:
 *   REDIS_OUTAGE_EVENTS=5000 REDIS_OUTAGE_STREAM_SECONDS=60 bun test test/fraud/redis-outage.test.ts
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { startBunHost } from "../../src/hosts/bun/start-host.ts";
import { inspectPayment, poll, type Json } from "../http/suite/context.ts";
import { randomWebhookSecret, sendSigned, type HttpTarget } from "../support/http-target.ts";
import { providerSources } from "../support/provider-sources.ts";
import { killRedis, REDIS_MISSING, redisRequired, startRedisWithRest, type RedisWithRest } from "../support/redis-server.ts";

const EVENTS = Number(process.env.REDIS_OUTAGE_EVENTS ?? 600);
const STREAM_MS = Number(process.env.REDIS_OUTAGE_STREAM_SECONDS ?? 6) * 1000;
const CUSTOMERS = 20;
const TEST_TIMEOUT_MS = STREAM_MS + 120_000;

async function startHost(redis: RedisWithRest, extra: Record<string, string>) {
  const data_dir = mkdtempSync(join(tmpdir(), "redis-outage-"));
  const admin_token = `adm_${crypto.randomUUID()}`;
  const secret = randomWebhookSecret();
  const providers = providerSources();
  const config = loadBunConfig({
    DATA_DIR: data_dir,
    PORT: "0",
    ADMIN_TOKEN: admin_token,
    WEBHOOK_SECRETS: JSON.stringify({ dev: [secret] }),
    WEBHOOK_SOURCES: providers.webhook_sources,
    UPSTASH_REDIS_REST_URL: redis.rest.url,
    UPSTASH_REDIS_REST_TOKEN: redis.rest.token,
    UPSTASH_REDIS_TIMEOUT_MS: "500",
    UPSTASH_REDIS_BREAKER_FAILURES: "3",
    UPSTASH_REDIS_BREAKER_OPEN_MS: "1000",
    RETRY_ATTEMPTS_MAX: "3",
    ...extra,
  });
  if (!config.ok) throw new Error(config.error.message);
  const host = await startBunHost(config.value, { durability: "process" });
  const target: HttpTarget = {
    url: host.url,
    admin_token,
    webhook_secret: secret,
    webhook_secret_previous: secret,
    providers: providers.credentials,
    body_bytes_max: 256 * 1024,
    hold_timeout_ms: 15 * 60_000,
    stop: async () => {
      await host.stop();
      rmSync(data_dir, { recursive: true, force: true });
    },
  };
  return target;
}

/** Sends the stream at an even pace, killing Redis after a third and restarting it after two thirds. */
async function streamThroughOutage(target: HttpTarget, redis: RedisWithRest, run: string): Promise<{ payments: string[]; breaker_seen_open: boolean }> {
  const payments: string[] = [];
  const started = performance.now();
  let killed = false;
  let restarted = false;
  let breaker_seen_open = false;
  const sends: Promise<void>[] = [];
  for (let index = 0; index < EVENTS; index += 1) {
    const elapsed = performance.now() - started;
    if (!killed && elapsed >= STREAM_MS / 3) {
      killRedis(redis.redis);
      killed = true;
    }
    if (killed && !restarted && elapsed >= (2 * STREAM_MS) / 3) {
      breaker_seen_open ||= (await metric(target, "velocity_breaker_state")) === 2;
      await redis.redis.restart();
      restarted = true;
    }
    const payment_id = `pay_${run}_${index}`;
    payments.push(payment_id);
    const customer = `c_${run}_${index % CUSTOMERS}`;
    const event = {
      id: `evt_${payment_id}`,
      type: "payment.created",
      payment_id,
      occurred_at: new Date().toISOString(),
      data: { amount: 100 + index, currency: "USD", merchant_id: "m_1", customer_id: customer, card: { fingerprint: `fp_${payment_id}`, country: "US" } },
    };
    sends.push(
      sendSigned(target, event).then(async (response) => {
        expect({ payment_id, status: response.status, body: await response.text() }).toEqual({ payment_id, status: 202, body: '{"status":"accepted"}' });
      }),
    );
    const due = started + ((index + 1) * STREAM_MS) / EVENTS;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    if (sends.length >= 64) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  if (!restarted) await redis.redis.restart();
  return { payments, breaker_seen_open };
}

async function metric(target: HttpTarget, name: string): Promise<number> {
  const text = await (await fetch(`${target.url}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

async function decisions(target: HttpTarget, payments: string[]): Promise<Json[]> {
  await poll("every payment processed", () => metric(target, "events_processed_total"), (processed) => processed >= payments.length, 90_000);
  const views: Json[] = [];
  for (const payment_id of payments) views.push((await inspectPayment(target, payment_id))!);
  return views;
}

const redis = await startRedisWithRest({ own: true, persistence: "aof" });
if (redis === null && redisRequired()) throw new Error(`Redis outage: ${REDIS_MISSING} (CI=true: Redis suites fail instead of skipping)`);
// Skipped only where no redis-server can be started (a laptop); under CI=true the line above fails the file.
const suite = redis === null ? describe.skip : describe;

suite(`Redis killed during a stream of ${EVENTS} payments over ${STREAM_MS / 1000} s, then restarted${redis === null ? ` (skipped: ${REDIS_MISSING})` : ""}`, () => {
  test("fraud evaluation waits for Redis: nothing lost, nothing dead-lettered, nothing counted twice; the breaker opens and closes", async () => {
    const target = await startHost(redis!, {});
    try {
      const run = crypto.randomUUID().slice(0, 8);
      const { payments, breaker_seen_open } = await streamThroughOutage(target, redis!, run);
      const views = await decisions(target, payments);

      expect(views.filter((view) => view.status !== "created").map((view) => [view.payment_id, view.status, view.fraud])).toEqual([]);
      expect(views.flatMap((view) => view.dead_letters)).toEqual([]);
      expect(views.filter((view) => view.fraud?.degraded === true)).toEqual([]);
      // Each customer's payments saw 1, 2, ... n on their counter: every evaluation counted exactly once.
      const seen = new Map<string, number[]>();
      for (const view of views) {
        const customer = view.customer_id as string;
        seen.set(customer, [...(seen.get(customer) ?? []), view.fraud.attributes.payments_per_customer_daily]);
      }
      for (const [customer, counts] of seen) {
        expect({ customer, counts: counts.sort((a, b) => a - b) }).toEqual({ customer, counts: counts.map((_, index) => index + 1) });
        const [members] = await redis!.direct.send([["ZCARD", `velocity:{payments_per_customer_daily:${customer}}:at`]]);
        expect({ customer, members }).toEqual({ customer, members: counts.length });
      }
      expect(breaker_seen_open).toBe(true);
      expect(await metric(target, "velocity_breaker_opened")).toBeGreaterThanOrEqual(1);
      expect(await metric(target, "velocity_breaker_state")).toBe(0);
      expect(await metric(target, "outage_waits_total")).toBeGreaterThan(0);
      expect(await metric(target, "events_dead_lettered_total")).toBe(0);
      const health = (await (await fetch(`${target.url}/health`)).json()) as Json;
      expect(health.checks.redis.status).toBe("ok");
      console.log(
        `outage run: ${payments.length} payments, breaker opened ${await metric(target, "velocity_breaker_opened")} times, ` +
          `${await metric(target, "outage_waits_total")} outage waits, ${await metric(target, "velocity_breaker_rejected")} calls refused while open, 0 dead letters`,
      );
    } finally {
      await target.stop();
    }
  }, TEST_TIMEOUT_MS);

  test("with FRAUD_FAIL_OPEN=true the payments decided during the outage are marked degraded, and none is lost", async () => {
    const target = await startHost(redis!, { FRAUD_FAIL_OPEN: "true" });
    try {
      const run = crypto.randomUUID().slice(0, 8);
      const { payments } = await streamThroughOutage(target, redis!, run);
      const views = await decisions(target, payments);
      expect(views.filter((view) => view.status !== "created").map((view) => view.payment_id)).toEqual([]);
      expect(views.flatMap((view) => view.dead_letters)).toEqual([]);
      const degraded = views.filter((view) => view.fraud.degraded === true);
      expect(degraded.length).toBeGreaterThan(0);
      expect(degraded.length).toBeLessThan(views.length);
      for (const view of degraded) {
        expect(view.fraud.attributes.payments_per_customer_daily).toBeNull();
        expect(view.fraud.degraded_reason).toContain("DependencyUnavailableError");
      }
      expect(await metric(target, "fraud_decisions_degraded_total")).toBe(degraded.length);
      console.log(`fail-open run: ${payments.length} payments, ${degraded.length} decided degraded during the outage`);
    } finally {
      await target.stop();
    }
  }, TEST_TIMEOUT_MS);
});

if (redis !== null) {
  const { afterAll } = await import("bun:test");
  afterAll(() => redis.stop());
}
