/** The Cloudflare host's configuration: secrets required or optional as DESIGN.md section 11 says. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shardOf } from "../../actors/cloudflare/shard.ts";
import { loadActorConfig, loadWorkerConfig } from "../../src/hosts/cloudflare/config.ts";
import { randomWebhookSecret } from "../support/http-target.ts";
import { durableObjectBindings, workerBundle } from "../support/workerd-host.ts";
import { startWorkerd, type WorkerdInstance } from "../support/workerd-miniflare.ts";

const SECRETS = JSON.stringify({ dev: [randomWebhookSecret()] });

describe("Cloudflare configuration", () => {
  test("defaults: four sink writers of one connection, 32 Durable Object velocity shards", () => {
    const config = loadWorkerConfig({ WEBHOOK_SECRETS: SECRETS });
    expect(config.ok && config.value.sink).toEqual({ database_url: null, ws_proxy: null, writer_count: 4, connections_per_writer: 1, batch_rows_max: 2_000 });
    expect(config.ok && config.value.admin_token).toBeNull();
    expect(config.ok && config.value.velocity).toEqual({ store: "durable-objects", shard_count: 32 });
  });

  test("a missing WEBHOOK_SECRETS is refused with a message that names it and how to set it", () => {
    const config = loadWorkerConfig({});
    expect(config.ok).toBe(false);
    expect(!config.ok && config.error.message).toContain("wrangler secret put WEBHOOK_SECRETS");
  });

  test("invalid values name their variable", () => {
    const message = (env: Record<string, string>) => {
      const config = loadActorConfig(env);
      return config.ok ? null : config.error.message;
    };
    expect(message({ SINK_WRITER_COUNT: "0" })).toContain("SINK_WRITER_COUNT");
    expect(message({ DATABASE_URL: "mysql://x" })).toContain("DATABASE_URL");
    expect(message({ DATABASE_WS_PROXY: "ws://x" })).toContain("DATABASE_WS_PROXY");
    expect(message({ BODY_BYTES_MAX: String(4 * 1024 * 1024) })).toContain("BODY_BYTES_MAX");
    expect(message({ FRAUD_RULES: "rules.json" })).toContain("inline JSON");
    expect(message({ UPSTASH_REDIS_REST_URL: "https://x.upstash.io" })).toContain("UPSTASH_REDIS_REST_TOKEN");
    expect(message({ UPSTASH_REDIS_REST_URL: "https://x.upstash.io", UPSTASH_REDIS_REST_TOKEN: "t", UPSTASH_REDIS_TIMEOUT_MS: "0" })).toContain("UPSTASH_REDIS_TIMEOUT_MS");
    expect(message({ FRAUD_FAIL_OPEN: "1" })).toContain("FRAUD_FAIL_OPEN");
  });

  test("with UPSTASH_REDIS_REST_* set, velocity counters live in Redis, with the timeout and breaker given", () => {
    const config = loadActorConfig({
      UPSTASH_REDIS_REST_URL: "https://x.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "t",
      UPSTASH_REDIS_TIMEOUT_MS: "250",
      UPSTASH_REDIS_BREAKER_OPEN_MS: "2000",
      FRAUD_FAIL_OPEN: "true",
    });
    if (!config.ok) throw new Error(config.error.message);
    expect(config.value.velocity).toEqual({
      store: "upstash",
      redis: { url: "https://x.upstash.io", token: "t", timeout_ms: 250, breaker: { failures_max: 3, open_ms: 2000 } },
    });
    expect(config.value.fraud_fail_open).toBe(true);
    const without = loadActorConfig({});
    if (!without.ok) throw new Error(without.error.message);
    expect(without.value.velocity).toEqual({ store: "durable-objects", shard_count: 32 });
    expect(without.value.fraud_fail_open).toBe(false);
  });

  test("the rules file may ask to fail open; FRAUD_FAIL_OPEN wins over it", () => {
    const rules = JSON.stringify({ rules: [], fail_open: true });
    const from_rules = loadActorConfig({ FRAUD_RULES: rules });
    expect(from_rules.ok && from_rules.value.fraud_fail_open).toBe(true);
    const overridden = loadActorConfig({ FRAUD_RULES: rules, FRAUD_FAIL_OPEN: "false" });
    expect(overridden.ok && overridden.value.fraud_fail_open).toBe(false);
  });

  test("payments spread over the sink writers by a stable hash of their id", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4_000; i += 1) counts[shardOf(`pay_${i}`, 4)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(shardOf("pay_123", 4)).toBe(shardOf("pay_123", 4));
  });
});

describe("the Worker on workerd without its secrets", () => {
  const running: Array<{ workerd: WorkerdInstance; directory: string }> = [];
  const start = async (bindings: Record<string, string>) => {
    const directory = mkdtempSync(join(tmpdir(), "workerd-config-"));
    const workerd = await startWorkerd({ script_path: await workerBundle(), durable_objects: durableObjectBindings(), persist_directory: directory, bindings });
    running.push({ workerd, directory });
    return workerd.url();
  };
  beforeAll(() => workerBundle(), 60_000);
  afterAll(async () => {
    for (const { workerd, directory } of running) {
      await workerd.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("without WEBHOOK_SECRETS every route answers 503 with a JSON error naming the secret", async () => {
    const url = await start({});
    const response = await fetch(`${url}/webhooks/dev`, { method: "POST", body: "{}" });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("not_configured");
    expect(body.error.message).toContain("WEBHOOK_SECRETS");
  });

  test("without ADMIN_TOKEN the admin routes answer 503 and webhooks are still verified", async () => {
    const url = await start({ WEBHOOK_SECRETS: SECRETS });
    const admin = await fetch(`${url}/payments/pay_1`, { headers: { authorization: "Bearer anything-at-all-here" } });
    expect(admin.status).toBe(503);
    await admin.body?.cancel();
    const unsigned = await fetch(`${url}/webhooks/dev`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(unsigned.status).toBe(401);
    await unsigned.body?.cancel();
  });
});
