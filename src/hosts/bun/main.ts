/** `npm start`: the Bun host on the embedded defaults (or what the environment configures). */
import { describeRules } from "../../core/fraud/describe-rules.ts";
import { redactDatabaseUrl } from "../../sink/open-sink.ts";
import { loadBunConfig } from "./config.ts";
import { describeConfigFailure, describeStartFailure } from "./start-failure.ts";
import { startBunHost, type BunHost } from "./start-host.ts";

const config = loadBunConfig(process.env);
if (!config.ok) {
  console.error(`cannot start: ${describeConfigFailure(config.error.message, process.env.DATA_DIR || "./data")}`);
  process.exit(1);
}

let host: BunHost;
try {
  host = await startBunHost(config.value);
} catch (error) {
  console.error(`cannot start: ${describeStartFailure(error, config.value)}`);
  process.exit(1);
}
const { value } = config;
console.log(`payment actors listening on ${host.url}`);
console.log(`  data:      ${value.data_dir} (ingress.sqlite, actors.sqlite${value.database_url ? "" : ", postgres/ (embedded PGlite)"})`);
console.log(`  postgres:  ${value.database_url ? redactDatabaseUrl(value.database_url) : "embedded PGlite"} (${host.migration.applied.length} migrations applied now)`);
const sources = Object.values(value.webhook_sources);
if (value.webhook_secrets_generated) {
  for (const source of sources.filter((source) => source.provider === "standard")) {
    console.log(`  webhooks:  POST ${host.url}/webhooks/${source.name}  secret ${source.secrets[0]} (generated, kept in DATA_DIR/secrets.json)`);
  }
}
const configured = sources.filter((source) => !value.webhook_secrets_generated || source.provider !== "standard");
if (configured.length > 0) {
  console.log(`  webhooks:  sources ${configured.map((source) => `${source.name} (${source.provider})`).join(", ")} (from WEBHOOK_SECRETS and WEBHOOK_SOURCES)`);
}
console.log(`  admin:     Authorization: Bearer ${value.admin_token_generated ? value.admin_token + " (generated)" : "<ADMIN_TOKEN>"}`);
const redis = value.velocity.redis;
console.log(
  `  velocity:  ${redis ? `Redis at ${redis.url} (timeout ${redis.timeout_ms} ms, breaker opens after ${redis.breaker.failures_max} outages for ${redis.breaker.open_ms} ms)` : "embedded (actors.sqlite)"}` +
    `; ${value.fraud_fail_open ? "fail open: decided without velocity, marked degraded, while the store cannot answer" : "waits for the store while it cannot answer"}`,
);
console.log(`  fraud:     ${value.fraud_rules_source}\n${describeRules(value.fraud_rules).replace(/^/gm, "             ")}`);
if (host.kafka) console.log(`  kafka:     consuming ${host.kafka.describe()}`);
if (host.resumed > 0) console.log(`  resumed:   ${host.resumed} actors with pending work`);
console.log("Ctrl-C drains and stops.");

let signals = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) process.exit(130);
    console.log(`\n${signal}: draining...`);
    host.stop().then(
      () => {
        console.log("stopped cleanly");
        process.exit(0);
      },
      (error) => {
        console.error("stop failed:", error);
        process.exit(1);
      },
    );
  });
}
