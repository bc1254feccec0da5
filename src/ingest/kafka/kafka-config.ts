/**
 * The Kafka consumer's configuration (DESIGN.md section 11), parsed from the environment with
 * messages that name the variable. Unset KAFKA_REST_URL: no consumer (null).
 */
import * as v from "valibot";
import { choiceSetting, integerSetting, parseEnvironment, patternSetting, textSetting, type Environment } from "../../core/config.ts";
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

/** The KAFKA_* variables but KAFKA_REST_URL, each checked on its own (valibot). */
function kafkaEnvironment(instance_default: string) {
  return v.object({
    KAFKA_REST_PROTOCOL: choiceSetting("KAFKA_REST_PROTOCOL", ["upstash", "confluent-v2"], "confluent-v2"),
    KAFKA_USERNAME: textSetting(),
    KAFKA_PASSWORD: textSetting(),
    KAFKA_TOPICS: v.pipe(
      textSetting(),
      v.check((raw) => raw !== null, "KAFKA_TOPICS must name the topics to consume, comma-separated, when KAFKA_REST_URL is set"),
      v.transform((raw) => [...new Set(raw!.split(",").map((topic) => topic.trim()).filter(Boolean))]),
      v.check(
        (topics) => topics.every(isTopicToConsume),
        (issue) => `KAFKA_TOPICS: "${(issue.input as string[]).find((topic) => !isTopicToConsume(topic))}" is not a topic to consume (letters, digits, . _ -, at most 249; not a .dlq topic)`,
      ),
    ),
    KAFKA_GROUP: patternSetting("KAFKA_GROUP", NAME_PATTERN, "payment-actors", "letters, digits, _ - and ."),
    KAFKA_INSTANCE: patternSetting("KAFKA_INSTANCE", NAME_PATTERN, instance_default, "letters, digits, _ - and ."),
    KAFKA_OFFSET_RESET: choiceSetting("KAFKA_OFFSET_RESET", ["earliest", "latest"], "earliest"),
    KAFKA_COMMIT_CONVENTION: choiceSetting(
      "KAFKA_COMMIT_CONVENTION",
      ["last-record", "next-offset"],
      "last-record",
      "last-record (Confluent REST Proxy, Karapace) or next-offset (Strimzi Kafka Bridge)",
    ),
    KAFKA_FORMAT: choiceSetting("KAFKA_FORMAT", ["binary", "json"], "binary"),
    KAFKA_POLL_TIMEOUT_MS: integerSetting("KAFKA_POLL_TIMEOUT_MS", 1_000, { min: 0, max: 30_000 }),
  });
}

const isTopicToConsume = (topic: string) => TOPIC_PATTERN.test(topic) && !topic.endsWith(".dlq");

/** `instance_default`: the host's stable consumer instance name (the REST analogue of static membership). */
export function parseKafkaConfig(env: Environment, instance_default: string): Result<KafkaConfig | null> {
  const rest_url = env.KAFKA_REST_URL?.trim() ?? "";
  if (rest_url === "") {
    const stray = Object.keys(env).find((name) => name.startsWith("KAFKA_") && !name.startsWith("KAFKA_DEV_") && env[name]?.trim());
    if (stray !== undefined) return fail("invalid_config", `${stray} is set but KAFKA_REST_URL is not: set KAFKA_REST_URL to consume, or unset ${stray}`);
    return ok(null);
  }
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(rest_url)) return fail("invalid_config", `KAFKA_REST_URL must be an http(s) URL, got "${rest_url}"`);

  const variables = parseEnvironment(kafkaEnvironment(instance_default), env);
  if (!variables.ok) return variables;
  const { KAFKA_REST_PROTOCOL: protocol, KAFKA_USERNAME: username, KAFKA_PASSWORD: password, KAFKA_TOPICS: topics } = variables.value;
  if (password !== null && username === null) return fail("invalid_config", "KAFKA_USERNAME must be set when KAFKA_PASSWORD is");
  if (protocol === "upstash" && username === null) return fail("invalid_config", "KAFKA_USERNAME and KAFKA_PASSWORD must be set for KAFKA_REST_PROTOCOL=upstash (@upstash/kafka always sends Basic auth)");

  return ok({
    rest_url: rest_url.replace(/\/+$/, ""),
    protocol,
    username,
    password,
    topics,
    group: variables.value.KAFKA_GROUP,
    instance: variables.value.KAFKA_INSTANCE,
    offset_reset: variables.value.KAFKA_OFFSET_RESET,
    commit_convention: variables.value.KAFKA_COMMIT_CONVENTION,
    format: variables.value.KAFKA_FORMAT,
    poll_timeout_ms: variables.value.KAFKA_POLL_TIMEOUT_MS,
  });
}

