/**
 * Fraud velocity through Redis on both hosts: the Bun host and the production Worker on
 * workerd, each with UPSTASH_REDIS_REST_* pointed at the Upstash REST server in front of a
 * real redis-server. A card-testing burst is blocked by the default rules while a normal
 * customer is allowed, the counters are in Redis, and every evaluation is one round trip.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { startBunHost } from "../../src/hosts/bun/start-host.ts";
import { pollPayment, request, sendEvents, type Json } from "../http/suite/context.ts";
import { randomWebhookSecret, type HttpTarget } from "../support/http-target.ts";
import { providerSources } from "../support/provider-sources.ts";
import type { RedisWithRest } from "../support/redis-server.ts";
import { withRedis } from "../support/redis-suite.ts";
import { startWorkerdHost } from "../support/workerd-host.ts";

type Start = (redis: RedisWithRest) => Promise<HttpTarget>;

async function startBunWithRedis({ rest }: RedisWithRest): Promise<HttpTarget> {
  const data_dir = mkdtempSync(join(tmpdir(), "redis-bun-host-"));
  const admin_token = `adm_${crypto.randomUUID()}`;
  const secret = randomWebhookSecret();
  const providers = providerSources();
  const config = loadBunConfig({
    DATA_DIR: data_dir,
    PORT: "0",
    ADMIN_TOKEN: admin_token,
    WEBHOOK_SECRETS: JSON.stringify({ dev: [secret] }),
    WEBHOOK_SOURCES: providers.webhook_sources,
    UPSTASH_REDIS_REST_URL: rest.url,
    UPSTASH_REDIS_REST_TOKEN: rest.token,
  });
  if (!config.ok) throw new Error(config.error.message);
  const host = await startBunHost(config.value, { durability: "process" });
  return {
    url: host.url,
    admin_token,
    webhook_secret: secret,
    webhook_secret_previous: secret,
    providers: providers.credentials,
    body_bytes_max: 256 * 1024,
    hold_timeout_ms: 15 * 60_000,
    async stop() {
      try {
        await host.stop();
      } finally {
        rmSync(data_dir, { recursive: true, force: true });
      }
    },
  };
}

const startWorkerdWithRedis: Start = ({ rest }) =>
  startWorkerdHost({ variables: { UPSTASH_REDIS_REST_URL: rest.url, UPSTASH_REDIS_REST_TOKEN: rest.token } });

const HOSTS: Array<[string, Start]> = [
  ["the Bun host", startBunWithRedis],
  ["the Cloudflare host (workerd via Miniflare)", startWorkerdWithRedis],
];

await withRedis("fraud velocity through Redis on both hosts", (redis) => {
  for (const [name, start] of HOSTS) {
    describe(`${name} with UPSTASH_REDIS_REST_* set`, () => {
      let target: HttpTarget;
      beforeAll(async () => {
        target = await start(redis);
      }, 120_000);
      afterAll(() => target?.stop());

      test("a card-testing burst from one IP is blocked while a normal customer's stream is allowed; one round trip per evaluation", async () => {
        const run = crypto.randomUUID().slice(0, 8);
        const attacker_ip = randomIp();
        const burst = Array.from({ length: 15 }, (_, index) => created(`pay_${run}_burst_${index}`, {
          amount: 100, customer_id: `c_${run}_burst_${index}`, card: { fingerprint: `fp_${run}_burst_${index}`, country: "US" }, ip: attacker_ip, ip_country: "US",
        }));
        const normal = Array.from({ length: 5 }, (_, index) => created(`pay_${run}_normal_${index}`, {
          amount: 4_500, customer_id: `c_${run}_normal`, card: { fingerprint: `fp_${run}_normal`, country: "US" }, ip: randomIp(), ip_country: "US",
        }));
        const requests_before = total(redis.rest.requests);
        const evalsha_before = count(redis.rest.requests, "EVALSHA");
        const eval_before = count(redis.rest.requests, "EVAL");
        await sendEvents(target, [...burst, ...normal]);
        const decided = async (event: Json) =>
          (await pollPayment(target, event.payment_id, "a fraud decision", (view) => view.fraud !== null, 30_000)).fraud as Json;
        const burst_fraud = await Promise.all(burst.map(decided));
        const normal_fraud = await Promise.all(normal.map(decided));

        // Cards 11 to 15 from the IP are over the limit (more than 10), whichever order they ran in.
        const blocked = burst_fraud.filter((fraud) => fraud.decision === "block");
        expect(blocked.length).toBe(5);
        for (const fraud of blocked) {
          expect(fraud.rules_fired).toContain("card_testing_cards_per_ip");
          expect(fraud.attributes.cards_per_ip_hourly).toBeGreaterThan(10);
        }
        expect(burst_fraud.map((fraud) => fraud.attributes.cards_per_ip_hourly).sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, index) => index + 1));
        expect(normal_fraud.map((fraud) => fraud.decision)).toEqual(["allow", "allow", "allow", "allow", "allow"]);
        expect(normal_fraud.map((fraud) => fraud.attributes.payments_per_card_hourly).sort()).toEqual([1, 2, 3, 4, 5]);
        expect(normal_fraud.every((fraud) => fraud.degraded === undefined)).toBe(true);

        const [cards] = await redis.direct.send([["ZCARD", `velocity:{cards_per_ip_hourly:${attacker_ip}}:at`]]);
        expect(cards).toBe(15);
        // 20 evaluations, one EVALSHA each; an EVAL follows only an EVALSHA that Redis answered
        // NOSCRIPT (its script cache was empty), and nothing else reached Redis.
        const evalsha = count(redis.rest.requests, "EVALSHA") - evalsha_before;
        const evals = count(redis.rest.requests, "EVAL") - eval_before;
        expect(evalsha).toBe(20);
        expect(total(redis.rest.requests) - requests_before).toBe(evalsha + evals);
        console.log(`${name}: ${evalsha} evaluations, ${evalsha + evals} Redis round trips (${evals} EVAL after NOSCRIPT)`);

        // An operator overrides one blocked payment; its dead-lettered authorization is replayed.
        const blocked_id = burst[burst_fraud.findIndex((fraud) => fraud.decision === "block")]!.payment_id as string;
        const authorization = { id: `evt_${blocked_id}_authorized`, type: "payment.authorized", payment_id: blocked_id, occurred_at: new Date().toISOString(), data: { amount: 100, currency: "USD", merchant_id: "m_1" } };
        await sendEvents(target, [authorization]);
        await pollPayment(target, blocked_id, "the authorization dead-lettered", (view) => view.dead_letters.length === 1 && view.dead_letters[0].reason === "payment_blocked");
        const override = await request(target, "POST", `/payments/${blocked_id}/fraud/override`, { body: { decision: "allow", note: "known customer" } });
        expect(override.status).toBe(200);
        await override.body?.cancel();
        const replay = await request(target, "POST", `/payments/${blocked_id}/dlq/${authorization.id}/replay`);
        expect(replay.status).toBe(202);
        await replay.body?.cancel();
        const replayed = await pollPayment(target, blocked_id, "authorized after the replay", (view) => view.status === "authorized");
        expect(replayed.dead_letters).toEqual([]);
        expect(replayed.fraud).toMatchObject({ decision: "allow", origin: "override", rules_decision: "block" });
      }, 120_000);

      test("/health and /metrics show the Redis breaker", async () => {
        const health = (await (await fetch(`${target.url}/health`)).json()) as Json;
        expect(health.checks.redis).toMatchObject({ status: "ok", breaker: "closed" });
        const metrics = await (await fetch(`${target.url}/metrics`)).text();
        // Cloudflare's samples carry scope="isolate" (each isolate reports its own).
        expect(metrics).toMatch(/^velocity_breaker_state(\{scope="isolate"\})? 0$/m);
        const evaluations = Number(/velocity_redis_evaluations(?:\{scope="isolate"\})? (\d+)/.exec(metrics)?.[1]);
        const round_trips = Number(/velocity_redis_round_trips(?:\{scope="isolate"\})? (\d+)/.exec(metrics)?.[1]);
        expect(evaluations).toBeGreaterThanOrEqual(20);
        expect(round_trips).toBeGreaterThanOrEqual(evaluations);
      });
    });
  }
});

function created(payment_id: string, data: Json): Json {
  return { id: `evt_${payment_id}_created`, type: "payment.created", payment_id, occurred_at: new Date().toISOString(), data: { currency: "USD", merchant_id: "m_1", ...data } };
}

function count(requests: Map<string, number>, what: string): number {
  return requests.get(what) ?? 0;
}

function total(requests: Map<string, number>): number {
  return [...requests.values()].reduce((sum, count) => sum + count, 0);
}

/** A fresh address per run: the counters live in a Redis other runs share, for an hour. */
function randomIp(): string {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  return `10.${octet()}.${octet()}.${octet()}`;
}
