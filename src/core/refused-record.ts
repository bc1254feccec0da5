/**
 * A Kafka record refused before it became an event (a poison record) whose payment is known:
 * the record has a key, and the key is the payment id (a body naming another payment is the
 * key's poison record: key_mismatch). It goes to that payment's dead-letter queue as received,
 * so an operator sees it beside the payment's events, and can replay it after a fix that makes
 * it an event (a type or a field this release did not know).
 */
import type { DeadLetterErrorClass, PoisonReason } from "./dead-letters.ts";
import type { MessageSource, PaymentEvent } from "./event.ts";
import { parseEvent } from "./event-parse.ts";

export interface RefusedRecord {
  /** `kafka:{topic}:{partition}:{offset}`: stable per record, so a redelivery is recognised. */
  id: string;
  /** The record's key. */
  payment_id: string;
  source: Extract<MessageSource, { kind: "kafka" }>;
  reason: Exclude<PoisonReason, "missing_key" | "dead_letters_full">;
  error_class: DeadLetterErrorClass;
  error_message: string;
  /** The record's value: its parsed JSON when `value_is_json`, else its text (null: no value or not UTF-8). */
  value: unknown;
  value_is_json: boolean;
}

export type RecordEvent = { ok: true; event: PaymentEvent } | { ok: false; reason: RefusedRecord["reason"]; error_class: DeadLetterErrorClass; error_message: string };

/** The event a keyed record's parsed JSON value is, or why it is none. */
export function eventOfRecord(payment_id: string, body: unknown): RecordEvent {
  const parsed = parseEvent(body);
  if (!parsed.ok) return { ok: false, reason: "invalid_event", error_class: parsed.error.code, error_message: parsed.error.message };
  if (parsed.value.payment_id !== payment_id) {
    return { ok: false, reason: "key_mismatch", error_class: "key_mismatch", error_message: `the record's key "${payment_id}" is not its payment_id "${parsed.value.payment_id}"` };
  }
  return { ok: true, event: parsed.value };
}

/** Decides a refused record again with this release's rules: what an operator's replay does. */
export function decideRefusedRecord(record: RefusedRecord): RecordEvent {
  if (!record.value_is_json) return { ok: false, reason: record.reason, error_class: record.error_class, error_message: record.error_message };
  return eventOfRecord(record.payment_id, record.value);
}
