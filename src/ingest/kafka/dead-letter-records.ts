/**
 * A poison record's dead letters: in its payment's DLQ when it has a key (the RefusedRecord
 * the actor keeps, whose Postgres row goes through the actor's outbox), else straight as a row
 * for Postgres `dead_letters` (listed and filtered by GET /dlq); and always the record for
 * `<topic>.dlq`, whose headers carry the context under the names Kafka Connect's dead-letter
 * queue uses, plus the reason and first failure time.
 */
import type { DeadLetterStage } from "../../core/dead-letters.ts";
import type { DeadLetterRow } from "../../core/postgres-rows.ts";
import type { RefusedRecord } from "../../core/refused-record.ts";
import { iso } from "../../core/time.ts";
import type { KafkaRecord, ProduceRecord, RecordHeader } from "./kafka-source.ts";
import type { Poison } from "./record-decoding.ts";

const DEAD_LETTER_STAGE: DeadLetterStage = "kafka_ingest";

/** Stable per record, so a batch redelivered after a crash writes the same row again. */
const deadLetterEventId = (record: KafkaRecord) => `kafka:${record.topic}:${record.partition}:${record.offset}`;

/** The poison record of a known payment (its key), for that payment's dead letters; null when it has no key. */
export function refusedRecord(record: KafkaRecord, poison: Poison): RefusedRecord | null {
  if (!poison.keyed || poison.payment_id === null || poison.reason === "missing_key" || poison.reason === "dead_letters_full") return null;
  return {
    id: deadLetterEventId(record),
    payment_id: poison.payment_id,
    source: kafkaSource(record),
    reason: poison.reason,
    error_class: poison.error_class,
    error_message: poison.error_message,
    value: poison.message ?? null,
    value_is_json: poison.message_is_json,
  };
}

const kafkaSource = (record: KafkaRecord) => ({ kind: "kafka" as const, topic: record.topic, partition: record.partition, offset: String(record.offset) });

export function deadLetterRow(record: KafkaRecord, poison: Poison, failed_at: number): DeadLetterRow {
  return {
    payment_id: poison.payment_id ?? "",
    event_id: deadLetterEventId(record),
    version: 1,
    status: "pending",
    reason: poison.reason,
    stage: DEAD_LETTER_STAGE,
    error_class: poison.error_class,
    error_message: poison.error_message,
    attempts: 1,
    source: kafkaSource(record),
    message: poison.message ?? null,
    first_failed_at: failed_at,
    last_failed_at: failed_at,
    updated_at: failed_at,
  };
}

/**
 * Set on a `.dlq` record whose dead letter its payment's DLQ also holds (its value: the payment
 * id): replay it there (POST /payments/:id/dlq/:event_id/replay), not by producing it again.
 */
export const PAYMENT_DLQ_HEADER = "payment_actors.payment_id";

/** The context headers of every `.dlq` record, under Kafka Connect's names, plus the reason and first failure time. */
export function deadLetterContext(context: {
  topic: string;
  partition: number;
  offset: string;
  stage: DeadLetterStage;
  error_class: string;
  error_message: string;
  reason: string;
  /** ISO 8601. */
  first_failed_at: string;
}): RecordHeader[] {
  return [
    { key: "__connect.errors.topic", value: context.topic },
    { key: "__connect.errors.partition", value: String(context.partition) },
    { key: "__connect.errors.offset", value: context.offset },
    { key: "__connect.errors.stage", value: context.stage },
    { key: "__connect.errors.exception.class.name", value: context.error_class },
    { key: "__connect.errors.exception.message", value: context.error_message },
    { key: "payment_actors.reason", value: context.reason },
    { key: "payment_actors.first_failed_at", value: context.first_failed_at },
  ];
}

/** `in_payment_dlq`: the record's payment keeps it too (refusedRecord was accepted). */
export function deadLetterRecord(record: KafkaRecord, poison: Poison, failed_at: number, in_payment_dlq = false): ProduceRecord {
  return {
    key: record.key,
    value: record.value ?? new Uint8Array(),
    headers: [
      ...record.headers,
      ...deadLetterContext({
        topic: record.topic,
        partition: record.partition,
        offset: String(record.offset),
        stage: DEAD_LETTER_STAGE,
        error_class: poison.error_class,
        error_message: poison.error_message,
        reason: poison.reason,
        first_failed_at: iso(failed_at),
      }),
      ...(in_payment_dlq && poison.payment_id !== null ? [{ key: PAYMENT_DLQ_HEADER, value: poison.payment_id }] : []),
    ],
  };
}
