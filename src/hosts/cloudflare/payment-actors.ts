/** PaymentActorsPort on Cloudflare: RPC to the payment's Durable Object, with a fresh stub per retry. */
import { callWithRetry } from "../../../actors/cloudflare/stub-retry.ts";
import type { PaymentActorsPort } from "../../http/ports.ts";
import type { KafkaActorsPort } from "../../ingest/kafka/kafka-consumer.ts";
import type { CloudflareEnv } from "./env.ts";

const actorOf = (env: CloudflareEnv, payment_id: string) => () => env.PAYMENT_ACTORS.get(env.PAYMENT_ACTORS.idFromName(payment_id));

/** What the Kafka consumer object reaches the payment actors through. */
export function cloudflareKafkaActors(env: CloudflareEnv): KafkaActorsPort {
  return {
    accept: cloudflarePaymentActors(env).accept,
    acceptDeadLetter: (record) => callWithRetry(actorOf(env, record.payment_id), (stub) => stub.acceptDeadLetter(record)),
  };
}

export function cloudflarePaymentActors(env: CloudflareEnv): PaymentActorsPort {
  const actor = (payment_id: string) => actorOf(env, payment_id);
  return {
    accept: (event, source) => callWithRetry(actor(event.payment_id), (stub) => stub.accept(event, source)),
    inspect: (payment_id) => callWithRetry(actor(payment_id), (stub) => stub.inspect(payment_id)),
    replay: (payment_id, event_id) => callWithRetry(actor(payment_id), (stub) => stub.replay(payment_id, event_id)),
    discard: (payment_id, event_id) => callWithRetry(actor(payment_id), (stub) => stub.discard(payment_id, event_id)),
    overrideFraud: (payment_id, decision, note) =>
      callWithRetry(actor(payment_id), (stub) => stub.overrideFraud(payment_id, decision, note)),
  };
}
