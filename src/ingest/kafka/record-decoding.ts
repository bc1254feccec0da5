/**
 * Turns a Kafka record into a payment event, or says why it is a poison record. The record's
 * key is the payment id; a key produced through a JSON embedded format arrives JSON-encoded
 * (`"pay_1"` with its quotes) and is unwrapped, so producers of either format agree.
 */
import type { DeadLetterErrorClass, PoisonReason } from "../../core/dead-letters.ts";
import type { PaymentEvent } from "../../core/event.ts";
import { eventOfRecord } from "../../core/refused-record.ts";
import { checkJsonLimits, type JsonLimits } from "../json-limits.ts";
import type { KafkaRecord } from "./kafka-source.ts";

export interface Poison {
  reason: PoisonReason;
  error_class: DeadLetterErrorClass;
  error_message: string;
  /** The payment the record names (its key, else its body's payment_id), or null. */
  payment_id: string | null;
  /** True when the record has a key: its payment is known, and the poison joins that payment's DLQ. */
  keyed: boolean;
  /** The record's value as received: parsed JSON when it parses, else its text. */
  message: unknown;
  message_is_json: boolean;
}

export type Decoded = { ok: true; event: PaymentEvent; payment_id: string } | { ok: false; poison: Poison };

function recordKey(key: string | null): string | null {
  if (key === null || key === "") return null;
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) {
    try {
      const unwrapped = JSON.parse(key) as unknown;
      if (typeof unwrapped === "string") return unwrapped === "" ? null : unwrapped;
    } catch {}
  }
  return key;
}

export function decodeRecord(record: KafkaRecord, json_limits?: JsonLimits): Decoded {
  const key = recordKey(record.key);
  let text: string | null = null;
  let body: unknown = undefined;
  let json_problem: string | null = null;
  if (record.value === null) json_problem = "the record has no value";
  else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(record.value);
    } catch {
      json_problem = "the record's value is not UTF-8 text";
    }
    const shape = text === null ? null : checkJsonLimits(text, json_limits);
    if (shape && !shape.ok) json_problem = `the record's value is refused (${shape.error.code}): ${shape.error.message}`;
    else if (text !== null) {
      try {
        body = JSON.parse(text) as unknown;
      } catch (error) {
        json_problem = `the record's value is not JSON: ${(error as Error).message}`;
      }
    }
  }
  const message = body !== undefined ? body : text;
  const body_payment_id = typeof (body as { payment_id?: unknown } | null)?.payment_id === "string" ? (body as { payment_id: string }).payment_id : null;
  const poison = (reason: PoisonReason, error_class: DeadLetterErrorClass, error_message: string): Decoded => ({
    ok: false,
    poison: { reason, error_class, error_message, payment_id: key ?? body_payment_id, keyed: key !== null, message, message_is_json: body !== undefined },
  });

  if (key === null) return poison("missing_key", "missing_key", "the record has no key; records are keyed by payment_id");
  if (json_problem !== null) return poison("invalid_json", "invalid_json", json_problem);
  const decided = eventOfRecord(key, body);
  if (!decided.ok) return poison(decided.reason, decided.error_class, decided.error_message);
  return { ok: true, event: decided.event, payment_id: key };
}
