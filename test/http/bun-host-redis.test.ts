/**
 * The HTTP behaviour suite against the Bun host with its velocity counters in Redis
 * (UPSTASH_REDIS_REST_* pointed at the Upstash REST server in front of a real redis-server):
 * inspection, dead letters, fraud override then replay, as with the embedded store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { startBunHost } from "../../src/hosts/bun/start-host.ts";
import { randomWebhookSecret } from "../support/http-target.ts";
import { providerSources } from "../support/provider-sources.ts";
import { withRedis } from "../support/redis-suite.ts";
import { runHttpSuite } from "./http-suite.ts";

const BODY_BYTES_MAX = 32 * 1024;
const HOLD_TIMEOUT_MS = 1_000;

await withRedis("the Bun host over HTTP with Redis velocity", ({ rest }) => {
  runHttpSuite("the Bun host over HTTP with Redis velocity", async () => {
    const data_dir = mkdtempSync(join(tmpdir(), "http-bun-redis-"));
    const secrets = [randomWebhookSecret(), randomWebhookSecret()] as const;
    const admin_token = `adm_${crypto.randomUUID()}`;
    const providers = providerSources();
  const config = loadBunConfig({
      DATA_DIR: data_dir,
      PORT: "0",
      HOST: "127.0.0.1",
      ADMIN_TOKEN: admin_token,
      WEBHOOK_SECRETS: JSON.stringify({ dev: secrets, other: [randomWebhookSecret()] }),
      WEBHOOK_SOURCES: providers.webhook_sources,
      BODY_BYTES_MAX: String(BODY_BYTES_MAX),
      HOLD_TIMEOUT_MS: String(HOLD_TIMEOUT_MS),
      UPSTASH_REDIS_REST_URL: rest.url,
      UPSTASH_REDIS_REST_TOKEN: rest.token,
    });
    if (!config.ok) throw new Error(`the Bun host's configuration was refused: ${config.error.message}`);
    const host = await startBunHost(config.value);
    return {
      url: host.url,
      admin_token,
      webhook_secret: secrets[1],
      webhook_secret_previous: secrets[0],
      providers: providers.credentials,
      body_bytes_max: BODY_BYTES_MAX,
      hold_timeout_ms: HOLD_TIMEOUT_MS,
      async stop() {
        try {
          await host.stop();
        } finally {
          rmSync(data_dir, { recursive: true, force: true });
        }
      },
    };
  });
});
