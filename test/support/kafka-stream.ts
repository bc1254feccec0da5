/**
 * A payment event stream for Kafka tests and the demo: full lifecycles (scripts/lib/event-stream.ts),
 * some payments' events shuffled, then duplicates inserted at random places until the stream
 * has `records` records. Sequenced, so the actors restore each payment's order.
 */
import { eventStream, random } from "../../scripts/lib/event-stream.ts";
import type { PaymentEvent } from "../../src/core/event.ts";

export function kafkaEventStream(options: { payments: number; records: number; seed: number; prefix: string }): PaymentEvent[] {
  const stream = eventStream({ payments: options.payments, shuffle_ratio: 0.3, duplicate_ratio: 0, seed: options.seed, prefix: options.prefix });
  const next = random(options.seed + 1);
  const distinct = stream.length;
  while (stream.length < options.records) {
    const original = stream[Math.floor(next() * distinct)]!;
    stream.splice(Math.floor(next() * (stream.length + 1)), 0, original);
  }
  return stream;
}

/** Produces through Confluent v2 (JSON embedded format), keyed by payment id, in chunks. */
export async function produceEvents(broker_url: string, topic: string, events: PaymentEvent[], chunk = 500): Promise<void> {
  for (let start = 0; start < events.length; start += chunk) {
    const records = events.slice(start, start + chunk).map((event) => ({ key: event.payment_id, value: event }));
    const response = await fetch(`${broker_url}/topics/${topic}`, {
      method: "POST",
      headers: { "content-type": "application/vnd.kafka.json.v2+json" },
      body: JSON.stringify({ records }),
    });
    if (response.status !== 200) throw new Error(`produce answered ${response.status}: ${await response.text()}`);
  }
}
