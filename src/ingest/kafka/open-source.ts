/** The adapter KAFKA_REST_PROTOCOL names, built from the parsed configuration. */
import { ConfluentV2Source, type FetchFunction } from "./confluent-v2-source.ts";
import type { KafkaConfig } from "./kafka-config.ts";
import type { KafkaSource } from "./kafka-source.ts";
import { UpstashSource } from "./upstash-source.ts";

export function kafkaSource(config: KafkaConfig, options: { fetch?: FetchFunction } = {}): KafkaSource {
  const common = {
    rest_url: config.rest_url,
    group: config.group,
    instance: config.instance,
    topics: config.topics,
    offset_reset: config.offset_reset,
    poll_timeout_ms: config.poll_timeout_ms,
  };
  if (config.protocol === "upstash") {
    return new UpstashSource({ ...common, username: config.username ?? "", password: config.password ?? "" });
  }
  return new ConfluentV2Source({
    ...common,
    username: config.username,
    password: config.password,
    commit_convention: config.commit_convention,
    format: config.format,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
