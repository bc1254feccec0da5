/**
 * The Bun host's configuration: the shared variables plus listen address and data folder.
 * Secrets not given are generated once, kept in DATA_DIR, and printed at start.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { integerVariable, parseLimits, parseRedisConfig, type Environment, type Limits } from "../../core/config.ts";
import { loadFraudRules } from "../../core/fraud/load-rules.ts";
import type { FraudRuleSet } from "../../core/fraud/rules.ts";
import { fail, ok, type Result } from "../../core/result.ts";
import { bunKafkaInstance } from "./kafka-consumer-loop.ts";
import { parseKafkaConfig, type KafkaConfig } from "../../ingest/kafka/kafka-config.ts";
import { generateWebhookSecret, parseWebhookSecrets } from "../../ingest/standard-webhooks.ts";

export interface BunHostConfig {
  port: number;
  host: string;
  data_dir: string;
  database_url: string | undefined;
  webhook_secrets: Record<string, string[]>;
  webhook_secrets_generated: boolean;
  admin_token: string;
  admin_token_generated: boolean;
  redis: { url: string; token: string } | null;
  fraud_rules: FraudRuleSet;
  fraud_rules_source: string;
  limits: Limits;
  kafka: KafkaConfig | null;
}

interface GeneratedSecrets {
  webhook_secrets: Record<string, string[]>;
  admin_token: string;
}

export function loadBunConfig(env: Environment): Result<BunHostConfig> {
  const port = integerVariable(env, "PORT", 8787, { min: 0, max: 65535 });
  if (!port.ok) return port;
  const host = env.HOST?.trim() || "127.0.0.1";
  if (!/^[\w.:-]+$/.test(host)) return fail("invalid_config", `HOST must be a host name or IP address, got "${host}"`);
  const data_dir = resolve(env.DATA_DIR?.trim() || "./data");
  const database_url = env.DATABASE_URL?.trim() || undefined;
  if (database_url !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(database_url)) {
    return fail("invalid_config", "DATABASE_URL must be a postgres:// or postgresql:// URL (or unset for embedded PGlite)");
  }
  const limits = parseLimits(env);
  if (!limits.ok) return limits;
  const redis = parseRedisConfig(env);
  if (!redis.ok) return redis;
  // Set but silently ignored would be worse than refused: these arrive in later releases.
  if (redis.value !== null) {
    return fail("invalid_config", "UPSTASH_REDIS_REST_URL is set, but the Redis velocity store is not available yet: unset UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN to use the embedded store");
  }
  const kafka = parseKafkaConfig(env, bunKafkaInstance());
  if (!kafka.ok) return kafka;
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
  const admin_token = env.ADMIN_TOKEN?.trim() || generated.admin_token;
  if (admin_token.length < 16) return fail("invalid_config", "ADMIN_TOKEN must be at least 16 characters");

  return ok({
    port: port.value,
    host,
    data_dir,
    database_url,
    webhook_secrets,
    webhook_secrets_generated: !secrets_variable,
    admin_token,
    admin_token_generated: !env.ADMIN_TOKEN?.trim(),
    redis: redis.value,
    fraud_rules: fraud_rules.value,
    fraud_rules_source: env.FRAUD_RULES?.trim() ? "FRAUD_RULES" : "built-in defaults",
    limits: limits.value,
    kafka: kafka.value,
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
