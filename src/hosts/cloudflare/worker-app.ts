/**
 * The same Hono app as the Bun host (src/http/app.ts), filled in with Durable Object ports.
 * Built once per isolate and configuration.
 */
import { jsonLimits } from "../../ingest/json-limits.ts";
import { createApp } from "../../http/app.ts";
import { fail, ok, type Result } from "../../core/result.ts";
import type { CloudflareEnv } from "./env.ts";
import { isolateRegistry, workerConfig } from "./isolate.ts";
import { kafkaConsumers } from "./kafka-consumers.ts";
import { cloudflarePaymentActors } from "./payment-actors.ts";
import { sinkReader, sinkWriter } from "./sink-writers.ts";
import { velocityHealthChecks } from "./velocity-store.ts";

type App = ReturnType<typeof createApp>;
const apps = new WeakMap<object, Result<App>>();

export function workerApp(env: CloudflareEnv): Result<App> {
  let app = apps.get(env);
  if (app !== undefined) return app;
  const config = workerConfig(env);
  app = !config.ok
    ? fail(config.error.code, config.error.message)
    : ok(
        createApp({
          webhook_secrets: config.value.webhook_secrets,
          webhook_sources: config.value.webhook_sources,
          admin_token: config.value.admin_token,
          body_bytes_max: config.value.limits.body_bytes_max,
          json_limits: jsonLimits(config.value.limits),
          list_entries_max: config.value.limits.list_entries_max,
          actors: cloudflarePaymentActors(env),
          sink: sinkReader(env),
          metrics: isolateRegistry(),
          health_checks: [{ name: "postgres", check: () => sinkWriter(env, 0).health() }, ...velocityHealthChecks(config.value)],
          now: Date.now,
          ...(config.value.kafka ? { kafka_consumers: () => kafkaConsumers(env, config.value.kafka!) } : {}),
        }),
      );
  apps.set(env, app);
  return app;
}
