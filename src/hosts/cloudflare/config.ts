/**
 * The Cloudflare host's configuration (DESIGN.md section 11), from wrangler.toml vars and
 * secrets. Durable Objects read only what actors need (`loadActorConfig`), so a Worker
 * missing its webhook secrets still drains the actors it has.
 *
 * - WEBHOOK_SOURCES (secret): provider sources (stripe, adyen, checkout), merged with
 *   WEBHOOK_SECRETS (src/ingest/webhook-sources.ts).
 * - WEBHOOK_SECRETS (secret): required unless WEBHOOK_SOURCES is set; without either the Worker answers every request 503
 *   with a message naming the variable.
 * - ADMIN_TOKEN (secret): one token or a comma-separated list (rotation); without it the admin routes answer 503.
 * - DATABASE_URL (secret): the Neon (or any Postgres) URL; without it outbox flushes fail
 *   and are retried, the backlog is visible, and /health reports postgres failing.
 * - SINK_WRITER_COUNT, SINK_CONNECTIONS_PER_WRITER (vars): the Postgres connection bound;
 *   SINK_BATCH_ROWS_MAX (var): rows one writer writes in one batch.
 * - DATABASE_WS_PROXY (var): `host:port` of a plain WebSocket-to-TCP proxy for a Postgres
 *   that is not Neon (local tests); unset talks to Neon's own proxy.
 * - UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN (secrets): velocity counters in Redis,
 *   shared by every Worker; UPSTASH_REDIS_TIMEOUT_MS, UPSTASH_REDIS_BREAKER_* and
 *   FRAUD_FAIL_OPEN (vars), see src/velocity/velocity-config.ts. Unset: the shards below.
 * - VELOCITY_SHARD_COUNT (var): Durable Objects holding the fraud velocity counters. Changing
 *   it moves counters to other shards, so velocity under-counts until the windows (at most
 *   a day) have passed.
 * - RETRY_ATTEMPTS_MAX, HOLD_TIMEOUT_MS, BODY_BYTES_MAX, FRAUD_RULES (inline JSON only:
 *   a Worker has no file system).
 */
import * as v from "valibot";
import { BASE_CONFIG_ENTRIES, databaseUrlSetting, integerSetting, limitsFrom, parseEnvironment, textSetting, type Environment, type Limits } from "../../core/config.ts";
import { loadFraudRules } from "../../core/fraud/load-rules.ts";
import type { FraudRuleSet } from "../../core/fraud/rules.ts";
import { fail, ok, type Result } from "../../core/result.ts";
import { parseAdminTokens } from "../../http/admin-auth.ts";
import { parseKafkaConfig, type KafkaConfig } from "../../ingest/kafka/kafka-config.ts";
import { parseWebhookSecrets } from "../../ingest/standard-webhooks.ts";
import { mergeWebhookSources, type WebhookSource } from "../../ingest/webhook-sources.ts";
import { parseVelocityConfig, type RedisVelocityConfig } from "../../velocity/velocity-config.ts";

/** An inbox row holds the event body; a row is limited to 1 MiB (actors/cloudflare). */
export const BODY_BYTES_MAX_CLOUDFLARE = 512 * 1024;

/** The sink-writer objects and how they reach Postgres (the Bun host opens its sink from SinkOpenOptions). */
export interface SinkWritersConfig {
  database_url: string | null;
  ws_proxy: string | null;
  writer_count: number;
  connections_per_writer: number;
  /** SINK_BATCH_ROWS_MAX: rows a sink writer object writes in one batch. */
  batch_rows_max: number;
}

export interface ActorConfig {
  limits: Limits;
  fraud_rules: FraudRuleSet;
  sink: SinkWritersConfig;
  /** Where velocity counters live: Redis when UPSTASH_REDIS_REST_* are set, else Durable Object shards. */
  velocity: { store: "durable-objects"; shard_count: number } | { store: "upstash"; redis: RedisVelocityConfig };
  /** FRAUD_FAIL_OPEN, or the rules' fail_open. */
  fraud_fail_open: boolean;
  /** KAFKA_*: the consumer object's configuration; null without KAFKA_REST_URL. */
  kafka: KafkaConfig | null;
}

export interface WorkerConfig extends ActorConfig {
  webhook_secrets: Record<string, string[]>;
  /** WEBHOOK_SOURCES merged with WEBHOOK_SECRETS (standard sources). */
  webhook_sources: Record<string, WebhookSource>;
  admin_token: string | null;
}

/** The base variables (src/core/config.ts) and the Cloudflare host's own. */
const CLOUDFLARE_ENVIRONMENT = v.object({
  ...BASE_CONFIG_ENTRIES,
  SINK_WRITER_COUNT: integerSetting("SINK_WRITER_COUNT", 4, { min: 1, max: 64 }),
  SINK_CONNECTIONS_PER_WRITER: integerSetting("SINK_CONNECTIONS_PER_WRITER", 1, { min: 1, max: 8 }),
  SINK_BATCH_ROWS_MAX: integerSetting("SINK_BATCH_ROWS_MAX", 2_000, { min: 1, max: 100_000 }),
  VELOCITY_SHARD_COUNT: integerSetting("VELOCITY_SHARD_COUNT", 32, { min: 1, max: 1024 }),
  DATABASE_URL: databaseUrlSetting(""),
  DATABASE_WS_PROXY: v.pipe(
    textSetting(),
    v.check((proxy) => proxy === null || /^[\w.-]+:\d+$/.test(proxy), (issue) => `DATABASE_WS_PROXY must be host:port, got "${String(issue.input)}"`),
  ),
});

export function loadActorConfig(env: Environment): Result<ActorConfig> {
  const variables = parseEnvironment(CLOUDFLARE_ENVIRONMENT, env);
  if (!variables.ok) return variables;
  const limits = limitsFrom(variables.value);
  if (!limits.ok) return limits;
  if (limits.value.body_bytes_max > BODY_BYTES_MAX_CLOUDFLARE) {
    return fail("invalid_config", `BODY_BYTES_MAX must be at most ${BODY_BYTES_MAX_CLOUDFLARE} on Cloudflare (a Durable Object row holds the event)`);
  }
  const fraud_rules = loadFraudRules(env.FRAUD_RULES, () => {
    throw new Error("a Worker has no file system: give FRAUD_RULES as inline JSON");
  });
  if (!fraud_rules.ok) return fraud_rules;
  const velocity = parseVelocityConfig(env);
  if (!velocity.ok) return velocity;
  const { DATABASE_URL: database_url, DATABASE_WS_PROXY: ws_proxy } = variables.value;
  const kafka = parseKafkaConfig(env, "payment-actors-cloudflare");
  if (!kafka.ok) return kafka;
  return ok({
    limits: limits.value,
    fraud_rules: fraud_rules.value,
    kafka: kafka.value,
    sink: {
      database_url,
      ws_proxy,
      writer_count: variables.value.SINK_WRITER_COUNT,
      connections_per_writer: variables.value.SINK_CONNECTIONS_PER_WRITER,
      batch_rows_max: variables.value.SINK_BATCH_ROWS_MAX,
    },
    velocity: velocity.value.redis
      ? { store: "upstash", redis: velocity.value.redis }
      : { store: "durable-objects", shard_count: variables.value.VELOCITY_SHARD_COUNT },
    fraud_fail_open: velocity.value.fraud_fail_open ?? fraud_rules.value.fail_open ?? false,
  });
}

export function loadWorkerConfig(env: Environment): Result<WorkerConfig> {
  const actor = loadActorConfig(env);
  if (!actor.ok) return actor;
  const secrets = env.WEBHOOK_SECRETS?.trim();
  if (!secrets && !env.WEBHOOK_SOURCES?.trim()) {
    return fail("invalid_config", "WEBHOOK_SECRETS is not set: run `wrangler secret put WEBHOOK_SECRETS` with a JSON object of source to whsec_ secrets (or WEBHOOK_SOURCES for provider sources)");
  }
  const webhook_secrets = secrets ? parseWebhookSecrets(secrets) : ok({});
  if (!webhook_secrets.ok) return webhook_secrets;
  const webhook_sources = mergeWebhookSources(webhook_secrets.value, env.WEBHOOK_SOURCES);
  if (!webhook_sources.ok) return webhook_sources;
  const admin_token = env.ADMIN_TOKEN?.trim() || null;
  const admin_tokens = parseAdminTokens(admin_token ?? undefined);
  if (!admin_tokens.ok) return admin_tokens;
  return ok({ ...actor.value, webhook_secrets: webhook_secrets.value, webhook_sources: webhook_sources.value, admin_token });
}
