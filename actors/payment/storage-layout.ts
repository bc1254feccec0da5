/**
 * What the payment actor keeps in its storage, one key per row so rows stay small:
 *
 *   state                  PaymentState
 *   meta                   counters (inbox and outbox numbering and sizes, flush backoff)
 *   seen:{event_id}        every event id ever accepted, for dedupe
 *   inbox:{n}              accepted messages, processed in number order (the mailbox)
 *   held:{n}               messages waiting for an earlier event (reorder buffer)
 *   dead:{event_id}        the actor's dead-letter queue
 *   event:{version}        applied events, in order
 *   journal:{version}      the ledger journal of the event applied at that version
 *   outbox:{n}             rows on their way to Postgres
 */
import type { HoldReason } from "../../src/core/apply-event.ts";
import type { DeadLetterErrorClass, DeadLetterReason, DeadLetterStage } from "../../src/core/dead-letters.ts";
import type { MessageSource, PaymentEvent } from "../../src/core/event.ts";
import type { RefusedRecord } from "../../src/core/refused-record.ts";
import type { Journal } from "../../src/core/ledger.ts";
import type { SinkRows } from "../../src/core/postgres-rows.ts";

export const KEY_STATE = "state";
export const KEY_META = "meta";
export const PREFIX_SEEN = "seen:";
export const PREFIX_INBOX = "inbox:";
export const PREFIX_HELD = "held:";
export const PREFIX_DEAD = "dead:";
export const PREFIX_EVENT = "event:";
export const PREFIX_JOURNAL = "journal:";
export const PREFIX_OUTBOX = "outbox:";

/** Rows that mean work is pending: the host's watchdog wakes an actor holding any of them. */
export const PENDING_WORK_PREFIXES = [PREFIX_INBOX, PREFIX_HELD, PREFIX_OUTBOX] as const;

/** Zero-padded so that key order is number order. */
export function numbered(prefix: string, n: number): string {
  return prefix + String(n).padStart(12, "0");
}

export interface ActorMeta {
  inbox_next: number;
  inbox_count: number;
  held_count: number;
  outbox_next: number;
  outbox_count: number;
  dead_letter_count: number;
  /** Increments on every change to a dead letter, so its Postgres row only moves forward. */
  dead_letter_version: number;
  fraud_decision_count: number;
  /** Increments on every state change, so the Postgres projection only moves forward. */
  revision: number;
  flush_attempts: number;
  flush_retry_at: number | null;
  flush_error: string | null;
  /** When the payment's state last changed (absent in rows written before it was kept). */
  changed_at?: number | null;
}

export function initialMeta(): ActorMeta {
  return {
    inbox_next: 1,
    inbox_count: 0,
    held_count: 0,
    outbox_next: 1,
    outbox_count: 0,
    dead_letter_count: 0,
    dead_letter_version: 0,
    fraud_decision_count: 0,
    revision: 0,
    flush_attempts: 0,
    flush_retry_at: null,
    flush_error: null,
  };
}

export interface FailureRecord {
  stage: DeadLetterStage;
  error_class: DeadLetterErrorClass;
  error_message: string;
  at: number;
}

export interface InboxMessage {
  number: number;
  event: PaymentEvent;
  source: MessageSource;
  accepted_at: number;
  /** Replayed by an operator: a sequence slot already consumed does not hold it back. */
  replay: boolean;
  /** Failed attempts so far (transient failures). */
  attempts: number;
  next_attempt_at: number | null;
  first_failed_at: number | null;
  last_failure: FailureRecord | null;
}

export interface HeldMessage {
  inbox_message: InboxMessage;
  reason: HoldReason;
  held_at: number;
  deadline_at: number;
}

/** A message that failed (EventDeadLetter), or a record refused before it became one (RecordDeadLetter). */
export type DeadLetter = EventDeadLetter | RecordDeadLetter;

/**
 * `inbox_message` is the actor's envelope of what arrived (its number, attempts, failures);
 * the Postgres row's `message` is what arrived itself (DeadLetterRow in postgres-rows.ts).
 */
export interface EventDeadLetter extends DeadLetterFacts {
  inbox_message: InboxMessage;
  /** Stage `sink`: the outbox entry Postgres refused, written again on replay (sink-dead-letter.ts). */
  outbox_entry?: OutboxEntry;
}

/** A poison Kafka record of this payment (stage kafka_ingest), kept as received (refused-records.ts). */
export interface RecordDeadLetter extends DeadLetterFacts {
  record: RefusedRecord;
  accepted_at: number;
}

interface DeadLetterFacts {
  reason: DeadLetterReason;
  stage: DeadLetterStage;
  error_class: DeadLetterErrorClass;
  error_message: string;
  attempts: number;
  first_failed_at: number;
  last_failed_at: number;
  version: number;
}

export interface AppliedEvent {
  event_id: string;
  type: string;
  sequence: number | null;
  occurred_at: string;
  applied_at: number;
  version: number;
  source: MessageSource;
}

export interface StoredJournal extends Journal {
  event_id: string;
  version: number;
  created_at: number;
}

export interface OutboxEntry {
  created_at: number;
  /** When the applied event whose rows these are was accepted (absent for other changes). */
  accepted_at?: number;
  rows: Partial<SinkRows>;
}
