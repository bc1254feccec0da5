/** Both hosts read WEBHOOK_SOURCES at start, and refuse a bad one naming the source and field. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { loadWorkerConfig } from "../../src/hosts/cloudflare/config.ts";

const STANDARD = `whsec_${btoa("0123456789abcdef01234567")}`;
const SOURCES = JSON.stringify({ stripe: { provider: "stripe", secrets: ["whsec_stripe_endpoint_1"], merchant_id: "m_1" } });
const BAD = JSON.stringify({ stripe: { provider: "stripe", secrets: [] } });
const dataDir = () => mkdtempSync(join(tmpdir(), "webhook-sources-"));

describe("WEBHOOK_SOURCES on both hosts", () => {
  test("the Bun host merges them with WEBHOOK_SECRETS", () => {
    const config = loadBunConfig({ DATA_DIR: dataDir(), WEBHOOK_SECRETS: JSON.stringify({ dev: [STANDARD] }), WEBHOOK_SOURCES: SOURCES });
    if (!config.ok) throw new Error(config.error.message);
    expect(Object.values(config.value.webhook_sources).map((source) => [source.name, source.provider])).toEqual([
      ["dev", "standard"],
      ["stripe", "stripe"],
    ]);
  });

  test("on the Bun host, a WEBHOOK_SOURCES source named dev replaces the generated one", () => {
    const config = loadBunConfig({ DATA_DIR: dataDir(), WEBHOOK_SOURCES: JSON.stringify({ dev: { provider: "stripe", secrets: ["whsec_stripe_endpoint_1"] } }) });
    if (!config.ok) throw new Error(config.error.message);
    expect(config.value.webhook_sources.dev).toMatchObject({ provider: "stripe" });
  });

  test("the Cloudflare host merges them, and needs no WEBHOOK_SECRETS when they are set", () => {
    const config = loadWorkerConfig({ WEBHOOK_SOURCES: SOURCES });
    if (!config.ok) throw new Error(config.error.message);
    expect(config.value.webhook_sources.stripe).toMatchObject({ provider: "stripe", merchant_id: "m_1" });
  });

  test("a bad source stops both hosts with a message naming the variable, the source and the field", () => {
    const bun = loadBunConfig({ DATA_DIR: dataDir(), WEBHOOK_SOURCES: BAD });
    const cloudflare = loadWorkerConfig({ WEBHOOK_SECRETS: JSON.stringify({ dev: [STANDARD] }), WEBHOOK_SOURCES: BAD });
    for (const config of [bun, cloudflare]) {
      expect(config.ok).toBe(false);
      expect(!config.ok && config.error.message).toBe('WEBHOOK_SOURCES source "stripe" field "secrets" must be a list of 1 to 10 secrets');
    }
  });

  test("a name in both variables is refused on both hosts", () => {
    const both = { WEBHOOK_SECRETS: JSON.stringify({ stripe: [STANDARD] }), WEBHOOK_SOURCES: SOURCES };
    for (const config of [loadBunConfig({ DATA_DIR: dataDir(), ...both }), loadWorkerConfig(both)]) {
      expect(!config.ok && config.error.message).toContain('source "stripe" is also in WEBHOOK_SECRETS');
    }
  });
});
