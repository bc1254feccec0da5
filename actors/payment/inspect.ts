/** The answer to "what happened to this payment": GET /payments/:id (DESIGN.md section 9). */
import type { ActorStore } from "./actor-store.ts";
import type { PaymentActorLimits } from "./limits.ts";
import {
  PREFIX_EVENT,
  PREFIX_INBOX,
  PREFIX_JOURNAL,
  PREFIX_OUTBOX,
  type AppliedEvent,
  type InboxMessage,
  type OutboxEntry,
  type StoredJournal,
} from "./storage-layout.ts";
import type { PaymentEvent } from "../../src/core/event.ts";
import { iso } from "../../src/core/time.ts";
import { deadLetterId, deadLetterSource, deadLetterType, isRecordDeadLetter } from "./refused-records.ts";

export type PaymentView = ReturnType<typeof inspectPayment>;

/** An event acknowledged in front of the actor and not delivered to it yet (PaymentActor.inspect). */
export interface UndeliveredEvent {
  event: PaymentEvent;
  accepted_at: number;
}

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function inspectPayment(store: ActorStore, now: number, limits: PaymentActorLimits, undelivered: readonly UndeliveredEvent[] = []) {
  const state = store.state();
  const meta = store.meta();
  const inbox = store.all<InboxMessage>(PREFIX_INBOX, limits.inbox_messages_max).map(([, message]) => message);
  const oldestOutbox = store.storage.list<OutboxEntry>({ prefix: PREFIX_OUTBOX, limit: 1 })[0]?.[1];
  return {
    payment_id: state.payment_id,
    status: state.status,
    currency: state.currency,
    merchant_id: state.merchant_id,
    customer_id: state.customer_id,
    amounts: {
      authorized: state.amounts.authorized,
      captured: state.amounts.captured,
      refunded: state.amounts.refunded,
      disputed: state.amounts.disputed,
      fees: state.amounts.fees,
    },
    version: state.version,
    sequence_next: state.sequence_next,
    /** Lists below show at most this many items each (the counts here are exact). */
    list_items_max: limits.inspection_events_max,
    counts: {
      events: state.version,
      inbox: meta.inbox_count + undelivered.length,
      held: meta.held_count,
      dead_letters: meta.dead_letter_count,
    },
    events: store.all<AppliedEvent>(PREFIX_EVENT, limits.inspection_events_max).map(([, applied]) => ({
      id: applied.event_id,
      type: applied.type,
      sequence: applied.sequence,
      occurred_at: applied.occurred_at,
      applied_at: iso(applied.applied_at),
      version: applied.version,
      source: applied.source,
    })),
    inbox: [...inbox.filter((message) => !waitsForRetry(message)), ...undelivered]
      .slice(0, limits.inbox_messages_max)
      .map((message) => ({ id: message.event.id, type: message.event.type, accepted_at: iso(message.accepted_at) })),
    held: store.heldMessages(limits.inspection_events_max).map(([, held]) => ({
      id: held.inbox_message.event.id,
      type: held.inbox_message.event.type,
      sequence: held.inbox_message.event.sequence ?? null,
      reason: held.reason,
      held_at: iso(held.held_at),
      deadline_at: iso(held.deadline_at),
    })),
    retries: inbox
      .filter(waitsForRetry)
      .map((message) => ({
        id: message.event.id,
        type: message.event.type,
        attempts: message.attempts,
        next_attempt_at: isoOrNull(message.next_attempt_at),
        error: message.last_failure,
      })),
    dead_letters: store.deadLetters(limits.inspection_events_max).map(([, letter]) => ({
      event_id: deadLetterId(letter),
      type: deadLetterType(letter),
      reason: letter.reason,
      stage: letter.stage,
      error: { class: letter.error_class, message: letter.error_message },
      attempts: letter.attempts,
      first_failed_at: iso(letter.first_failed_at),
      last_failed_at: iso(letter.last_failed_at),
      source: deadLetterSource(letter),
      /** The event; null for a poison record, which has `record` (its value as received) instead. */
      event: isRecordDeadLetter(letter) ? null : letter.inbox_message.event,
      record: isRecordDeadLetter(letter) ? { value: letter.record.value } : null,
    })),
    journals: store.all<StoredJournal>(PREFIX_JOURNAL, limits.inspection_events_max).map(([, journal]) => ({
      journal_id: journal.journal_id,
      event_id: journal.event_id,
      currency: journal.currency,
      created_at: iso(journal.created_at),
      transfers: journal.transfers,
    })),
    fraud: state.fraud,
    outbox: {
      pending: meta.outbox_count,
      oldest_age_ms: oldestOutbox ? Math.max(0, now - oldestOutbox.created_at) : 0,
      flush_attempts: meta.flush_attempts,
      next_flush_at: isoOrNull(meta.flush_retry_at),
      last_error: meta.flush_error,
    },
  };
}

/** Failed at least once, or waits out an outage (which spends no attempt). */
function waitsForRetry(message: InboxMessage): boolean {
  return message.attempts > 0 || message.last_failure !== null;
}
