/**
 * The JSON limits and the storage_full Retry-After are named configuration with defaults,
 * read through each host's one configuration path, and what is configured is what the edge
 * enforces (issue 12).
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LIMITS } from "../../src/core/config.ts";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { DEFAULT_STORAGE_FULL_RETRY_AFTER_S } from "../../src/hosts/bun/fault-config.ts";
import { loadActorConfig, loadWorkerConfig } from "../../src/hosts/cloudflare/config.ts";
import { DEFAULT_JSON_LIMITS, jsonLimits } from "../../src/ingest/json-limits.ts";
import { ADMIN_TOKEN, testApp } from "../support/app-ports.ts";
import { event } from "../support/events.ts";

const CONFIGURED = { JSON_DEPTH_MAX: "8", JSON_STRING_LENGTH_MAX: "300", JSON_KEYS_PER_OBJECT_MAX: "20" };

const nested = (depth: number): unknown => (depth === 0 ? 1 : { n: nested(depth - 1) });

describe("JSON limits as configuration", () => {
  test("the defaults are 64 deep, 16 KiB strings and 1,000 keys, from the one list of limits", () => {
    expect(DEFAULT_JSON_LIMITS).toEqual({ depth_max: 64, string_length_max: 16_384, keys_per_object_max: 1_000 });
    expect(jsonLimits(DEFAULT_LIMITS)).toEqual(DEFAULT_JSON_LIMITS);
  });

  test("both hosts read JSON_DEPTH_MAX, JSON_STRING_LENGTH_MAX and JSON_KEYS_PER_OBJECT_MAX", () => {
    const data_dir = mkdtempSync(join(tmpdir(), "json-limits-config-"));
    try {
      const bun = loadBunConfig({ DATA_DIR: data_dir, ...CONFIGURED });
      if (!bun.ok) throw new Error(bun.error.message);
      expect(jsonLimits(bun.value.limits)).toEqual({ depth_max: 8, string_length_max: 300, keys_per_object_max: 20 });
    } finally {
      rmSync(data_dir, { recursive: true, force: true });
    }
    const actor = loadActorConfig(CONFIGURED);
    if (!actor.ok) throw new Error(actor.error.message);
    expect(jsonLimits(actor.value.limits).depth_max).toBe(8);
    const worker = loadWorkerConfig({ WEBHOOK_SECRETS: JSON.stringify({ dev: ["whsec_" + btoa("k".repeat(32))] }), ...CONFIGURED });
    if (!worker.ok) throw new Error(worker.error.message);
    expect(jsonLimits(worker.value.limits).keys_per_object_max).toBe(20);
  });

  test("a value out of bounds is refused with a message naming the variable", () => {
    for (const [name, value] of [["JSON_DEPTH_MAX", "5000"], ["JSON_STRING_LENGTH_MAX", "10"], ["JSON_KEYS_PER_OBJECT_MAX", "many"]] as const) {
      const parsed = loadActorConfig({ [name]: value });
      expect(parsed.ok ? "accepted" : parsed.error.message).toContain(name);
    }
  });

  test("what is configured is what a webhook and an admin body are held to", async () => {
    const limits = { depth_max: 8, string_length_max: 300, keys_per_object_max: 20 };
    const { sendSigned, app } = testApp({ json_limits: limits });
    const refused = async (response: Response) => ({ status: response.status, code: ((await response.json()) as { error?: { code: string } }).error?.code });
    const base = event("payment.created", "pay_limits", { amount: 100 });
    expect(await refused(await sendSigned({ ...base, data: { ...base.data, deep: nested(7) } }))).toEqual({ status: 400, code: "json_too_deep" });
    expect(await refused(await sendSigned({ ...base, data: { ...base.data, note: "x".repeat(301) } }))).toEqual({ status: 400, code: "json_string_too_long" });
    const keys = Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`k${index}`, index]));
    expect(await refused(await sendSigned({ ...base, data: { ...base.data, keys } }))).toEqual({ status: 400, code: "json_too_many_keys" });
    // Within the configured limits, the same shape is accepted.
    expect((await sendSigned({ ...base, data: { ...base.data, deep: nested(5), note: "x".repeat(300) } })).status).toBe(202);
    const admin = await app.request("/dlq/replay", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ reason: "x".repeat(301) }),
    });
    expect(await refused(admin)).toEqual({ status: 400, code: "json_string_too_long" });
  });
});

describe("STORAGE_FULL_RETRY_AFTER_S", () => {
  test("defaults to 5 s, is read by the Bun host's configuration, and a bad value names it", () => {
    const data_dir = mkdtempSync(join(tmpdir(), "storage-full-config-"));
    try {
      const defaults = loadBunConfig({ DATA_DIR: data_dir });
      if (!defaults.ok) throw new Error(defaults.error.message);
      expect(defaults.value.faults.storage_full_retry_after_s).toBe(DEFAULT_STORAGE_FULL_RETRY_AFTER_S);
      expect(DEFAULT_STORAGE_FULL_RETRY_AFTER_S).toBe(5);
      const configured = loadBunConfig({ DATA_DIR: data_dir, STORAGE_FULL_RETRY_AFTER_S: "30" });
      expect(configured.ok && configured.value.faults.storage_full_retry_after_s).toBe(30);
      const bad = loadBunConfig({ DATA_DIR: data_dir, STORAGE_FULL_RETRY_AFTER_S: "0" });
      expect(bad.ok ? "accepted" : bad.error.message).toContain("STORAGE_FULL_RETRY_AFTER_S");
    } finally {
      rmSync(data_dir, { recursive: true, force: true });
    }
  });
});
