/**
 * Replays `<topic>.dlq` after a fix: every dead-letter record not replayed before is produced
 * back to the topic it came from (its `__connect.errors.topic` header), with its original key
 * and value, and the replay group's offset is committed past it, so a second run replays only
 * what was dead-lettered since. The records then go through the consumer like new ones:
 * duplicates of events already applied change nothing, and what is still poison is
 * dead-lettered again.
 *
 * A record whose dead letter a payment's DLQ holds (a poison record with a key, or what an
 * actor dead-lettered: header `payment_actors.payment_id`) is left alone and counted: it is
 * replayed there, through POST /payments/:id/dlq/:event_id/replay, where the actor decides it
 * again and closes the dead letter; produced again here it would leave that one pending.
 */
import { PAYMENT_DLQ_HEADER } from "./dead-letter-records.ts";
import type { KafkaRecord, KafkaSource, ProduceRecord } from "./kafka-source.ts";

export interface ReplayOutcome {
  replayed: number;
  /** Records of the .dlq topic without the context this product writes (not ours to replay). */
  skipped: number;
  /** Records whose dead letter a payment's DLQ holds: replay those through the payment's routes. */
  held_by_payment: number;
}

/** The context of a dead-letter record: its headers (upstash), or the v2 envelope's `dead_letter`. */
function contextOf(record: KafkaRecord): Map<string, string> {
  const context = new Map(record.headers.map((item) => [item.key, item.value]));
  if (context.has("__connect.errors.topic")) return context;
  try {
    const envelope = JSON.parse(new TextDecoder().decode(record.value ?? new Uint8Array())) as { dead_letter?: Record<string, string> };
    for (const [name, value] of Object.entries(envelope.dead_letter ?? {})) context.set(name, value);
  } catch {}
  return context;
}

/** The original record and topic of one dead-letter record, from headers (upstash) or the v2 envelope. */
function originalOf(record: KafkaRecord): { topic: string; record: ProduceRecord } | null {
  const context_keys = /^(__connect\.errors\.|payment_actors\.)/;
  const header = (name: string) => record.headers.find((item) => item.key === name)?.value;
  const topic = header("__connect.errors.topic");
  if (topic !== undefined) {
    return { topic, record: { key: record.key, value: record.value ?? new Uint8Array(), headers: record.headers.filter((item) => !context_keys.test(item.key)) } };
  }
  try {
    const envelope = JSON.parse(new TextDecoder().decode(record.value ?? new Uint8Array())) as { dead_letter?: Record<string, string>; key?: string | null; value?: string };
    const original_topic = envelope.dead_letter?.["__connect.errors.topic"];
    if (original_topic === undefined || typeof envelope.value !== "string") return null;
    return { topic: original_topic, record: { key: envelope.key ?? null, value: new TextEncoder().encode(envelope.value), headers: [] } };
  } catch {
    return null;
  }
}

/** `source` consumes the .dlq topics with a group of its own; polls until `idle_polls` polls in a row are empty. */
export async function replayDeadLetters(source: KafkaSource, options: { idle_polls?: number; polls_max?: number } = {}): Promise<ReplayOutcome> {
  const outcome: ReplayOutcome = { replayed: 0, skipped: 0, held_by_payment: 0 };
  await source.open();
  try {
    let idle = 0;
    for (let poll = 0; poll < (options.polls_max ?? 10_000) && idle < (options.idle_polls ?? 3); poll += 1) {
      const records = await source.poll();
      idle = records.length === 0 ? idle + 1 : 0;
      const by_topic = new Map<string, ProduceRecord[]>();
      for (const record of records) {
        if (contextOf(record).has(PAYMENT_DLQ_HEADER)) {
          outcome.held_by_payment += 1;
          continue;
        }
        const original = originalOf(record);
        if (original === null) {
          outcome.skipped += 1;
          continue;
        }
        by_topic.set(original.topic, [...(by_topic.get(original.topic) ?? []), original.record]);
      }
      for (const [topic, list] of by_topic) {
        await source.produce(topic, list);
        outcome.replayed += list.length;
      }
      const next = new Map<string, { topic: string; partition: number; offset: number }>();
      for (const record of records) {
        const key = `${record.topic}/${record.partition}`;
        if ((next.get(key)?.offset ?? -1) < record.offset + 1) next.set(key, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
      }
      await source.commit([...next.values()]);
    }
  } finally {
    await source.close();
  }
  return outcome;
}
