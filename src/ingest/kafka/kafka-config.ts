/**
 * The Kafka consumer's configuration (DESIGN.md section 11), parsed from the environment with
 * messages that name the variable. Unset KAFKA_REST_URL: no consumer (null).
 */
import { integerVariable, type Environment } from "../../core/config.ts";
import { fail, ok, type Result } from "../../core/result.ts";

export type KafkaRestProtocol = "upstash" | "confluent-v2";
/**
 * What a Confluent v2 proxy does with a committed offset N: `last-record` stores N + 1 (the
 * client sends the last record it handled: Confluent REST Proxy, Karapace); `next-offset`
 * stores N as given (the client sends the next record to read: Strimzi's Kafka Bridge).
 */
export type CommitConvention = "last-record" | "next-offset";

export interface KafkaConfig {
  rest_url: string;
  protocol: KafkaRestProtocol;
  username: string | null;
  password: string | null;
  topics: string[];
  group: string;
  instance: string;
  offset_reset: "earliest" | "latest";
  commit_convention: CommitConvention;
  /** Confluent v2 embedded format of fetched records; binary lets bad JSON become a dead letter. */
  format: "binary" | "json";
  /** How long a poll waits for records on the proxy. */
  poll_timeout_ms: number;
}

const TOPIC_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;
const NAME_PATTERN = /^[\w.-]{1,200}$/;

/** `instance_default`: the host's stable consumer instance name (the REST analogue of static membership). */
export function parseKafkaConfig(env: Environment, instance_default: string): Result<KafkaConfig | null> {
  const rest_url = env.KAFKA_REST_URL?.trim() ?? "";
  if (rest_url === "") {
    const stray = Object.keys(env).find((name) => name.startsWith("KAFKA_") && !name.startsWith("KAFKA_DEV_") && env[name]?.trim());
    if (stray !== undefined) return fail("invalid_config", `${stray} is set but KAFKA_REST_URL is not: set KAFKA_REST_URL to consume, or unset ${stray}`);
    return ok(null);
  }
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(rest_url)) return fail("invalid_config", `KAFKA_REST_URL must be an http(s) URL, got "${rest_url}"`);

  const protocol = env.KAFKA_REST_PROTOCOL?.trim() || "confluent-v2";
  if (protocol !== "upstash" && protocol !== "confluent-v2") {
    return fail("invalid_config", `KAFKA_REST_PROTOCOL must be upstash or confluent-v2, got "${protocol}"`);
  }
  const username = env.KAFKA_USERNAME?.trim() || null;
  const password = env.KAFKA_PASSWORD?.trim() || null;
  if (password !== null && username === null) return fail("invalid_config", "KAFKA_USERNAME must be set when KAFKA_PASSWORD is");
  if (protocol === "upstash" && username === null) return fail("invalid_config", "KAFKA_USERNAME and KAFKA_PASSWORD must be set for KAFKA_REST_PROTOCOL=upstash (@upstash/kafka always sends Basic auth)");

  const topics_raw = env.KAFKA_TOPICS?.trim() ?? "";
  if (topics_raw === "") return fail("invalid_config", "KAFKA_TOPICS must name the topics to consume, comma-separated, when KAFKA_REST_URL is set");
  const topics = [...new Set(topics_raw.split(",").map((topic) => topic.trim()).filter(Boolean))];
  const bad_topic = topics.find((topic) => !TOPIC_PATTERN.test(topic) || topic.endsWith(".dlq"));
  if (bad_topic !== undefined) {
    return fail("invalid_config", `KAFKA_TOPICS: "${bad_topic}" is not a topic to consume (letters, digits, . _ -, at most 249; not a .dlq topic)`);
  }

  const group = env.KAFKA_GROUP?.trim() || "payment-actors";
  if (!NAME_PATTERN.test(group)) return fail("invalid_config", `KAFKA_GROUP must be letters, digits, _ - and ., got "${group}"`);
  const instance = env.KAFKA_INSTANCE?.trim() || instance_default;
  if (!NAME_PATTERN.test(instance)) return fail("invalid_config", `KAFKA_INSTANCE must be letters, digits, _ - and ., got "${instance}"`);

  const offset_reset = env.KAFKA_OFFSET_RESET?.trim() || "earliest";
  if (offset_reset !== "earliest" && offset_reset !== "latest") {
    return fail("invalid_config", `KAFKA_OFFSET_RESET must be earliest or latest, got "${offset_reset}"`);
  }
  const commit_convention = env.KAFKA_COMMIT_CONVENTION?.trim() || "last-record";
  if (commit_convention !== "last-record" && commit_convention !== "next-offset") {
    return fail("invalid_config", `KAFKA_COMMIT_CONVENTION must be last-record (Confluent REST Proxy, Karapace) or next-offset (Strimzi Kafka Bridge), got "${commit_convention}"`);
  }
  const format = env.KAFKA_FORMAT?.trim() || "binary";
  if (format !== "binary" && format !== "json") return fail("invalid_config", `KAFKA_FORMAT must be binary or json, got "${format}"`);
  const poll_timeout_ms = integerVariable(env, "KAFKA_POLL_TIMEOUT_MS", 1_000, { min: 0, max: 30_000 });
  if (!poll_timeout_ms.ok) return poll_timeout_ms;

  return ok({
    rest_url: rest_url.replace(/\/+$/, ""),
    protocol,
    username,
    password,
    topics,
    group,
    instance,
    offset_reset,
    commit_convention,
    format,
    poll_timeout_ms: poll_timeout_ms.value,
  });
}

