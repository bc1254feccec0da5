import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});
const dataDir = () => {
  const directory = mkdtempSync(join(tmpdir(), "bun-config-"));
  directories.push(directory);
  return directory;
};

describe("Bun host configuration", () => {
  test("defaults start with generated secrets, kept for the next start", () => {
    const directory = dataDir();
    const first = loadBunConfig({ DATA_DIR: directory });
    const second = loadBunConfig({ DATA_DIR: directory });
    if (!first.ok || !second.ok) throw new Error("expected a valid configuration");
    expect(first.value.port).toBe(8787);
    expect(first.value.host).toBe("127.0.0.1");
    expect(second.value.admin_token).toBe(first.value.admin_token);
    expect(second.value.webhook_secrets).toEqual(first.value.webhook_secrets);
  });

  test.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ RETRY_ATTEMPTS_MAX: "0" }, "RETRY_ATTEMPTS_MAX"],
    [{ HOLD_TIMEOUT_MS: "-5" }, "HOLD_TIMEOUT_MS"],
    [{ BODY_BYTES_MAX: "1e6" }, "BODY_BYTES_MAX"],
    [{ WEBHOOK_SECRETS: "{" }, "WEBHOOK_SECRETS"],
    [{ ADMIN_TOKEN: "short" }, "ADMIN_TOKEN"],
    [{ FRAUD_RULES: '{"rules":[{"id":"x"}]}' }, "FRAUD_RULES"],
    [{ UPSTASH_REDIS_REST_URL: "https://redis.example" }, "UPSTASH_REDIS_REST_TOKEN"],
    [{ UPSTASH_REDIS_REST_URL: "ftp://redis.example", UPSTASH_REDIS_REST_TOKEN: "t" }, "UPSTASH_REDIS_REST_URL"],
    [{ UPSTASH_REDIS_REST_URL: "https://redis.example", UPSTASH_REDIS_REST_TOKEN: "t", UPSTASH_REDIS_TIMEOUT_MS: "soon" }, "UPSTASH_REDIS_TIMEOUT_MS"],
    [{ UPSTASH_REDIS_REST_URL: "https://redis.example", UPSTASH_REDIS_REST_TOKEN: "t", UPSTASH_REDIS_BREAKER_FAILURES: "0" }, "UPSTASH_REDIS_BREAKER_FAILURES"],
    [{ UPSTASH_REDIS_REST_URL: "https://redis.example", UPSTASH_REDIS_REST_TOKEN: "t", UPSTASH_REDIS_BREAKER_OPEN_MS: "5" }, "UPSTASH_REDIS_BREAKER_OPEN_MS"],
    [{ UPSTASH_REDIS_TIMEOUT_MS: "500" }, "UPSTASH_REDIS_TIMEOUT_MS"],
    [{ FRAUD_FAIL_OPEN: "yes" }, "FRAUD_FAIL_OPEN"],
    [{ KAFKA_REST_URL: "http://127.0.0.1:8082" }, "KAFKA_TOPICS"],
    [{ KAFKA_TOPICS: "payments" }, "KAFKA_REST_URL"],
  ])("a bad or unsupported value stops the start with a message naming it: %p", (env, variable) => {
    const config = loadBunConfig({ DATA_DIR: dataDir(), ...env });
    expect(config.ok).toBe(false);
    if (!config.ok) expect(config.error.message).toContain(variable);
  });

  test("a damaged secrets file is a configuration error naming DATA_DIR, not a crash", () => {
    for (const content of ["", "{}", '{"webhook_secrets":{"dev":["nope"]},"admin_token":"x"}']) {
      const directory = dataDir();
      writeFileSync(join(directory, "secrets.json"), content);
      const config = loadBunConfig({ DATA_DIR: directory });
      expect(config.ok).toBe(false);
      if (!config.ok) expect(config.error.message).toContain("DATA_DIR");
    }
  });

  test("a webhook source named __proto__ is a source like any other", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const config = loadBunConfig({ DATA_DIR: dataDir(), WEBHOOK_SECRETS: `{"__proto__": ["${secret}"]}` });
    if (!config.ok) throw new Error(config.error.message);
    expect(Object.hasOwn(config.value.webhook_secrets, "__proto__")).toBe(true);
    expect(config.value.webhook_secrets["__proto__"]).toEqual([secret]);
  });
});
