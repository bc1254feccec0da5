/**
 * Sends events through Kafka instead of webhooks: produces them to a topic of a REST proxy
 * (the dev broker, `npm run kafka:dev`) with Confluent v2's produce call, keyed by payment id,
 * then waits until the server's consumer has committed up to the log end (GET /kafka/consumers).
 * Outcomes are read from the server's kafka_consumer_records_total, before and after.
 */
import type { PaymentEvent } from "../../src/core/event.ts";
import type { SendResult } from "./sender.ts";

export interface KafkaTarget {
  /** The server that consumes (its GET /kafka/consumers and /metrics). */
  server_url: string;
  admin_token: string;
  /** The REST proxy to produce to. */
  kafka_url: string;
  topic: string;
  username?: string;
  password?: string;
}

interface ConsumersView {
  consumers: Array<{ topics: string[]; partitions: Array<{ topic: string; lag: number | null; committed_offset: number | null; log_end_offset: number | null }> }>;
}

export async function consumersView(target: KafkaTarget): Promise<ConsumersView | null> {
  const response = await fetch(`${target.server_url}/kafka/consumers`, { headers: { authorization: `Bearer ${target.admin_token}` } }).catch(() => null);
  if (!response || response.status !== 200) return null;
  return (await response.json()) as ConsumersView;
}

/** Why the server cannot take the demo's stream through Kafka, or null when it can. */
export async function kafkaProblem(target: KafkaTarget): Promise<string | null> {
  const view = await consumersView(target);
  if (view === null) return `${target.server_url}/kafka/consumers did not answer 200`;
  if (!view.consumers.some((consumer) => consumer.topics.includes(target.topic))) {
    return `the server does not consume topic ${target.topic}: start it with KAFKA_REST_URL=${target.kafka_url} KAFKA_TOPICS=${target.topic} npm start`;
  }
  const probe = await fetch(`${target.kafka_url}/topics`, { headers: authorization(target) }).catch(() => null);
  if (!probe) return `no Kafka REST proxy answers at ${target.kafka_url}: start one with \`npm run kafka:dev\``;
  return null;
}

async function outcomeCounts(server_url: string, topic: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${server_url}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^kafka_consumer_records_total\{([^}]*)\} (\d+)$/gm)) {
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1], label[2]]));
    if (labels.topic !== topic) continue;
    counts.set(labels.outcome!, (counts.get(labels.outcome!) ?? 0) + Number(match[2]));
  }
  return counts;
}

/** Records given as events are keyed by payment id; `raw` records are produced as they are (poison, for the demo). */
export async function sendViaKafka(
  target: KafkaTarget,
  events: PaymentEvent[],
  options: { raw?: Array<{ key?: string; value: string }>; deadline_ms: number; chunk?: number },
): Promise<SendResult> {
  const before = await outcomeCounts(target.server_url, target.topic);
  const started = performance.now();
  const chunk = options.chunk ?? 500;
  const records: Array<{ key: string | null; value: string }> = [
    ...events.map((event) => ({ key: event.payment_id, value: JSON.stringify(event) })),
    ...(options.raw ?? []).map((record) => ({ key: record.key ?? null, value: record.value })),
  ];
  const base64 = (text: string) => Buffer.from(text).toString("base64");
  for (let start = 0; start < records.length; start += chunk) {
    const body = { records: records.slice(start, start + chunk).map((record) => ({ key: record.key === null ? null : base64(record.key), value: base64(record.value) })) };
    const response = await fetch(`${target.kafka_url}/topics/${target.topic}`, {
      method: "POST",
      headers: { "content-type": "application/vnd.kafka.binary.v2+json", ...authorization(target) },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`producing to ${target.topic} answered ${response.status}: ${await response.text()}`);
  }
  const deadline = Date.now() + options.deadline_ms;
  for (;;) {
    const view = await consumersView(target);
    const partitions = view?.consumers.flatMap((consumer) => consumer.partitions.filter((partition) => partition.topic === target.topic)) ?? [];
    if (partitions.length > 0 && partitions.every((partition) => partition.lag === 0)) break;
    if (Date.now() > deadline) break;
    await Bun.sleep(50);
  }
  const elapsed_ms = performance.now() - started;
  const after = await outcomeCounts(target.server_url, target.topic);
  const outcomes = new Map([...after].map(([outcome, n]) => [outcome, n - (before.get(outcome) ?? 0)] as [string, number]).filter(([, n]) => n > 0));
  return { statuses: new Map(), outcomes, latencies_ms: [], latencies_by_status: new Map(), elapsed_ms, sent: records.length };
}

function authorization(target: KafkaTarget): Record<string, string> {
  if (!target.username) return {};
  return { authorization: `Basic ${Buffer.from(`${target.username}:${target.password ?? ""}`).toString("base64")}` };
}
