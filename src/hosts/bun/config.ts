/**
 * The Bun host's configuration: the shared variables plus listen address and data folder.
 * Secrets not given are generated once, kept in DATA_DIR, and printed at start.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { DEFAULT_ACTOR_INSTANCES_MAX } from "../../../actors/bun/bun-actor-system.ts";
import { BASE_CONFIG_ENTRIES, databaseUrlSetting, integerSetting, limitsFrom, parseEnvironment, textSetting, type Environment, type Limits } from "../../core/config.ts";
import { loadFraudRules } from "../../core/fraud/load-rules.ts";
import type { FraudRuleSet } from "../../core/fraud/rules.ts";
import { fail, ok, type Result } from "../../core/result.ts";
import { parseAdminTokens } from "../../http/admin-auth.ts";
import { parseFaultConfig, type FaultConfig } from "./fault-config.ts";
import { bunKafkaInstance } from "./kafka-consumer-loop.ts";
import { parseKafkaConfig, type KafkaConfig } from "../../ingest/kafka/kafka-config.ts";
import { generateWebhookSecret, parseWebhookSecrets } from "../../ingest/standard-webhooks.ts";
import { mergeWebhookSources, parseWebhookSources, type WebhookSource } from "../../ingest/webhook-sources.ts";
import { parseVelocityConfig, type VelocityConfig } from "../../velocity/velocity-config.ts";

export interface BunHostConfig {
  port: number;
  host: string;
  data_dir: string;
  database_url: string | undefined;
  webhook_secrets: Record<string, string[]>;
  webhook_secrets_generated: boolean;
  /** WEBHOOK_SOURCES merged with the standard sources above. */
  webhook_sources: Record<string, WebhookSource>;
  admin_token: string;
  admin_token_generated: boolean;
  /** Redis when UPSTASH_REDIS_REST_* are set, else the embedded store. */
  velocity: VelocityConfig;
  fraud_rules: FraudRuleSet;
  fraud_rules_source: string;
  /** FRAUD_FAIL_OPEN, or the rules' fail_open. */
  fraud_fail_open: boolean;
  limits: Limits;
  /** SINK_BATCH_ROWS_MAX: rows the sink thread writes in one batch. */
  sink_batch_rows_max: number;
  /** ACTOR_INSTANCES_MAX: payment actors kept in memory; idle ones beyond it are dropped. */
  actor_instances_max: number;
  kafka: KafkaConfig | null;
  faults: FaultConfig;
}

interface GeneratedSecrets {
  webhook_secrets: Record<string, string[]>;
  admin_token: string;
}

/** The base variables (src/core/config.ts) and the Bun host's own. */
const BUN_ENVIRONMENT = v.object({
  PORT: integerSetting("PORT", 8787, { min: 0, max: 65535 }),
  HOST: v.pipe(
    textSetting(),
    v.transform((host) => host ?? "127.0.0.1"),
    v.check((host) => /^[\w.:-]+$/.test(host), (issue) => `HOST must be a host name or IP address, got "${String(issue.input)}"`),
  ),
  DATA_DIR: v.pipe(textSetting(), v.transform((path) => resolve(path ?? "./data"))),
  DATABASE_URL: databaseUrlSetting("or unset for embedded PGlite"),
  ...BASE_CONFIG_ENTRIES,
  SINK_BATCH_ROWS_MAX: integerSetting("SINK_BATCH_ROWS_MAX", 5_000, { min: 1, max: 100_000 }),
  ACTOR_INSTANCES_MAX: integerSetting("ACTOR_INSTANCES_MAX", DEFAULT_ACTOR_INSTANCES_MAX, { min: 100, max: 10_000_000 }),
});

export function loadBunConfig(env: Environment): Result<BunHostConfig> {
  const variables = parseEnvironment(BUN_ENVIRONMENT, env);
  if (!variables.ok) return variables;
  const { PORT: port, HOST: host, DATA_DIR: data_dir, SINK_BATCH_ROWS_MAX: sink_batch_rows_max, ACTOR_INSTANCES_MAX: actor_instances_max } = variables.value;
  const database_url = variables.value.DATABASE_URL ?? undefined;
  const limits = limitsFrom(variables.value);
  if (!limits.ok) return limits;
  const velocity = parseVelocityConfig(env);
  if (!velocity.ok) return velocity;
  const kafka = parseKafkaConfig(env, bunKafkaInstance());
  if (!kafka.ok) return kafka;
  const faults = parseFaultConfig(env);
  if (!faults.ok) return faults;
  const fraud_rules = loadFraudRules(env.FRAUD_RULES, (path) => readFileSync(path, "utf8"));
  if (!fraud_rules.ok) return fraud_rules;

  try {
    mkdirSync(data_dir, { recursive: true });
  } catch (error) {
    return fail("invalid_config", `DATA_DIR ${data_dir} cannot be created: ${(error as Error).message}`);
  }
  let generated: GeneratedSecrets;
  try {
    generated = generatedSecrets(data_dir);
  } catch (error) {
    return fail("invalid_config", `DATA_DIR: ${(error as Error).message}`);
  }

  let webhook_secrets = generated.webhook_secrets;
  const secrets_variable = env.WEBHOOK_SECRETS?.trim();
  if (secrets_variable) {
    const parsed = parseWebhookSecrets(secrets_variable);
    if (!parsed.ok) return parsed;
    webhook_secrets = parsed.value;
  }
  // The generated `dev` source gives way to a WEBHOOK_SOURCES entry of the same name.
  const provider_sources = parseWebhookSources(env.WEBHOOK_SOURCES?.trim() || "{}");
  if (!provider_sources.ok) return provider_sources;
  const standard = secrets_variable ? webhook_secrets : Object.fromEntries(Object.entries(webhook_secrets).filter(([name]) => !Object.hasOwn(provider_sources.value, name)));
  const webhook_sources = mergeWebhookSources(standard, env.WEBHOOK_SOURCES);
  if (!webhook_sources.ok) return webhook_sources;
  const admin_token = env.ADMIN_TOKEN?.trim() || generated.admin_token;
  const admin_tokens = parseAdminTokens(admin_token);
  if (!admin_tokens.ok) return admin_tokens;

  return ok({
    port,
    host,
    data_dir,
    database_url,
    webhook_secrets,
    webhook_secrets_generated: !secrets_variable,
    webhook_sources: webhook_sources.value,
    admin_token,
    admin_token_generated: !env.ADMIN_TOKEN?.trim(),
    velocity: velocity.value,
    fraud_rules: fraud_rules.value,
    fraud_rules_source: env.FRAUD_RULES?.trim() ? "FRAUD_RULES" : "built-in defaults",
    fraud_fail_open: velocity.value.fraud_fail_open ?? fraud_rules.value.fail_open ?? false,
    limits: limits.value,
    sink_batch_rows_max,
    actor_instances_max,
    kafka: kafka.value,
    faults: faults.value,
  });
}

/** Secrets generated on the first start and kept, so restarts and the demo agree on them. */
function generatedSecrets(data_dir: string): GeneratedSecrets {
  const path = join(data_dir, "secrets.json");
  if (existsSync(path)) {
    const problem = `${path} is not a valid secrets file: fix it, or delete it to generate new secrets (WEBHOOK_SECRETS and ADMIN_TOKEN override it)`;
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      throw new Error(problem);
    }
    const candidate = stored as Partial<GeneratedSecrets> | null;
    const secrets = parseWebhookSecrets(JSON.stringify(candidate?.webhook_secrets ?? null));
    if (!secrets.ok || typeof candidate?.admin_token !== "string") throw new Error(problem);
    return { webhook_secrets: secrets.value, admin_token: candidate.admin_token };
  }
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const secrets: GeneratedSecrets = {
    webhook_secrets: { dev: [generateWebhookSecret()] },
    admin_token: `adm_${Buffer.from(bytes).toString("base64url")}`,
  };
  // Written to a temporary file, flushed, then renamed: a crash mid-write must not leave an
  // empty secrets file that stops every later start.
  const temporary = `${path}.${process.pid}.tmp`;
  const descriptor = openSync(temporary, "w", 0o600);
  writeSync(descriptor, JSON.stringify(secrets, null, 2) + "\n");
  fsyncSync(descriptor);
  closeSync(descriptor);
  renameSync(temporary, path);
  return secrets;
}
