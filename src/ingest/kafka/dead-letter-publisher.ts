/**
 * Produces the dead letters that payment actors made of Kafka-sourced events (an invalid
 * transition, a hold timeout, retries exhausted, ...) to `<topic>.dlq`, with the same context
 * headers as the consumer's poison records (dead-letter-records.ts).
 *
 * Durable and at least once: it follows the `dead_letters` rows in Postgres (written by the
 * actors' outboxes, so a dead letter is there once it is durable anywhere), produces those not
 * yet produced at their version, and only then records them in `kafka_dead_letter_publications`.
 * A crash between the two produces a record again; `payment_actors.dead_letter_id`
 * (`{payment_id}/{event_id}/{version}`) is stable, so a reader recognises the duplicate. The
 * record's key is the payment id, like the original's, so it lands by payment like the topic.
 *
 * A dead letter replayed or discarded before the publisher saw it (it runs every
 * `interval_ms`, one second by default) is not produced: the payment's DLQ is the record.
 */
import type { DeadLetterListing } from "../../core/postgres-rows.ts";
import type { MessageSource } from "../../core/event.ts";
import { errorMessage } from "../../core/errors.ts";
import { deadLetterContext, PAYMENT_DLQ_HEADER } from "./dead-letter-records.ts";
import type { KafkaSource, ProduceRecord } from "./kafka-source.ts";

export interface KafkaDeadLetterPublication {
  payment_id: string;
  event_id: string;
  version: number;
  /** The `.dlq` topic it was produced to. */
  topic: string;
}

/** The host's way to `dead_letters` and `kafka_dead_letter_publications` (src/sink/kafka-dead-letter-publications.ts). */
export interface KafkaDeadLetterRows {
  /** Pending actor dead letters of Kafka-sourced events not yet produced at their version, oldest failure first. */
  unpublished(limit: number): Promise<DeadLetterListing[]>;
  published(publications: KafkaDeadLetterPublication[]): Promise<void>;
}

export interface DeadLetterPublisherOptions {
  source: Pick<KafkaSource, "produce">;
  rows: KafkaDeadLetterRows;
  interval_ms?: number;
  page_entries_max?: number;
  /** Pages per run, so that a large backlog does not hold the consumer's loop. */
  pages_max?: number;
  log?: (line: string) => void;
}

export class DeadLetterPublisher {
  readonly #options: DeadLetterPublisherOptions;
  #last_run_at = Number.NEGATIVE_INFINITY;
  /** Dead letters produced since start, for tests and the log. */
  published = 0;

  constructor(options: DeadLetterPublisherOptions) {
    this.#options = options;
  }

  /** Runs when `interval_ms` has passed since the last run; never throws (what failed is tried again next time). */
  async publishDue(now: number): Promise<number> {
    if (now - this.#last_run_at < (this.#options.interval_ms ?? 1_000)) return 0;
    this.#last_run_at = now;
    try {
      return await this.publish();
    } catch (error) {
      (this.#options.log ?? console.warn)(`kafka dead-letter publisher: ${errorMessage(error)} (again later)`);
      return 0;
    }
  }

  async publish(): Promise<number> {
    const page_entries_max = this.#options.page_entries_max ?? 100;
    let produced = 0;
    for (let page = 0; page < (this.#options.pages_max ?? 10); page += 1) {
      const letters = await this.#options.rows.unpublished(page_entries_max);
      const by_topic = new Map<string, Array<{ letter: DeadLetterListing; record: ProduceRecord }>>();
      for (const letter of letters) {
        const origin = kafkaOrigin(letter.source);
        if (origin === null) continue;
        const topic = `${origin.topic}.dlq`;
        by_topic.set(topic, [...(by_topic.get(topic) ?? []), { letter, record: actorDeadLetterRecord(letter, origin) }]);
      }
      for (const [topic, items] of by_topic) {
        await this.#options.source.produce(topic, items.map((item) => item.record));
        await this.#options.rows.published(items.map(({ letter }) => ({ payment_id: letter.payment_id, event_id: letter.event_id, version: letter.version, topic })));
        produced += items.length;
      }
      if (letters.length < page_entries_max) break;
    }
    this.published += produced;
    return produced;
  }
}

type KafkaOrigin = Extract<MessageSource, { kind: "kafka" }>;

function kafkaOrigin(source: MessageSource): KafkaOrigin | null {
  if (source.kind === "kafka") return source;
  if (source.kind === "replay") return kafkaOrigin(source.original);
  return null;
}

export function actorDeadLetterRecord(letter: DeadLetterListing, origin: KafkaOrigin): ProduceRecord {
  return {
    key: letter.payment_id,
    value: new TextEncoder().encode(JSON.stringify(letter.message)),
    headers: [
      ...deadLetterContext({
        topic: origin.topic,
        partition: origin.partition,
        offset: origin.offset,
        stage: letter.stage,
        error_class: letter.error_class,
        error_message: letter.error_message,
        reason: letter.reason,
        first_failed_at: letter.first_failed_at,
      }),
      { key: "payment_actors.attempts", value: String(letter.attempts) },
      { key: "payment_actors.dead_letter_id", value: `${letter.payment_id}/${letter.event_id}/${letter.version}` },
      { key: PAYMENT_DLQ_HEADER, value: letter.payment_id },
    ],
  };
}
