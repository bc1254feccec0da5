/**
 * The two kinds of dead letter a payment keeps (storage-layout.ts): a message that failed, and
 * a poison Kafka record refused before it became one (src/core/refused-record.ts). What every
 * reader of a dead letter asks, answered once for both.
 */
import type { MessageSource } from "../../src/core/event.ts";
import type { DeadLetter, RecordDeadLetter } from "./storage-layout.ts";

export function isRecordDeadLetter(letter: DeadLetter): letter is RecordDeadLetter {
  return "record" in letter;
}

/** The id it is kept, replayed and discarded under: the event id, or the record's `kafka:...` id. */
export function deadLetterId(letter: DeadLetter): string {
  return isRecordDeadLetter(letter) ? letter.record.id : letter.inbox_message.event.id;
}

export function deadLetterSource(letter: DeadLetter): MessageSource {
  return isRecordDeadLetter(letter) ? letter.record.source : letter.inbox_message.source;
}

/** What arrived: the event, or the record's value as received (its JSON, else its text). */
export function deadLetterBody(letter: DeadLetter): unknown {
  return isRecordDeadLetter(letter) ? letter.record.value : letter.inbox_message.event;
}

/** The event type, or for a record the `type` its value names (a string), else null. */
export function deadLetterType(letter: DeadLetter): string | null {
  if (!isRecordDeadLetter(letter)) return letter.inbox_message.event.type;
  const type = (letter.record.value as { type?: unknown } | null)?.type;
  return letter.record.value_is_json && typeof type === "string" ? type : null;
}
