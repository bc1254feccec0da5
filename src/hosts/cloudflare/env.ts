/**
 * What wrangler.toml binds for the Worker and its Durable Objects: four namespaces, vars,
 * and secrets (WEBHOOK_SECRETS, ADMIN_TOKEN, DATABASE_URL via `wrangler secret put`).
 */
import type { KafkaConsumerObject } from "./kafka-consumer-object.ts";
import type { PaymentActorObject } from "./payment-actor-object.ts";
import type { SinkWriterObject } from "./sink-writer-object.ts";
import type { VelocityCounterObject } from "./velocity-counter-object.ts";

export interface CloudflareEnv {
  PAYMENT_ACTORS: DurableObjectNamespaceBinding<PaymentActorObject>;
  SINK_WRITERS: DurableObjectNamespaceBinding<SinkWriterObject>;
  VELOCITY_COUNTERS: DurableObjectNamespaceBinding<VelocityCounterObject>;
  KAFKA_CONSUMERS: DurableObjectNamespaceBinding<KafkaConsumerObject>;
  [variable: string]: unknown;
}

/** The string-valued vars and secrets, as config.ts reads them. */
export function variables(env: CloudflareEnv): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === "string") result[name] = value;
  return result;
}
