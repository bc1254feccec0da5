/** The Worker's side of the Kafka consumer object: the Cron Trigger's wake-up and GET /kafka/consumers. */
import { callWithRetry } from "../../../actors/cloudflare/stub-retry.ts";
import type { KafkaConsumersView } from "../../http/ports.ts";
import type { KafkaConfig } from "../../ingest/kafka/kafka-config.ts";
import type { CloudflareEnv } from "./env.ts";
import { actorConfig } from "./isolate.ts";
import { kafkaConsumerName } from "./kafka-consumer-object.ts";

const consumerObject = (env: CloudflareEnv, config: KafkaConfig) => () => env.KAFKA_CONSUMERS.get(env.KAFKA_CONSUMERS.idFromName(kafkaConsumerName(config)));

export async function wakeKafkaConsumer(env: CloudflareEnv): Promise<void> {
  const config = actorConfig(env).kafka;
  if (config === null) return;
  await callWithRetry(consumerObject(env, config), (stub) => stub.wake());
}

export function kafkaConsumers(env: CloudflareEnv, config: KafkaConfig): Promise<KafkaConsumersView> {
  return callWithRetry(consumerObject(env, config), (stub) => stub.view());
}
