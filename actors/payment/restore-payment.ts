/**
 * Writes a payment rebuilt from Postgres (src/core/replay-payment.ts) into an empty actor's
 * storage, in the layout the payment actor keeps (storage-layout.ts): state, meta, the dedupe
 * set, applied events, journals and pending dead letters. Used by `npm run recover`.
 *
 * What cannot come back is what Postgres never held: messages waiting in the inbox, held for
 * order or waiting for a retry, and outbox rows not yet written, when the storage was lost.
 */
import type { PaymentEvent } from "../../src/core/event.ts";
import type { RecordedPayment, ReplayedPayment } from "../../src/core/replay-payment.ts";
import { SINK_REFUSED_REASON } from "../../src/core/replay-payment.ts";
import type { DeadLetterRow } from "../../src/core/postgres-rows.ts";
import { isTerminal } from "../../src/core/state-machine.ts";
import type { ActorStorage } from "../runtime.ts";
import { appliedEventRows } from "./sink-rows.ts";
import {
  initialMeta,
  KEY_META,
  KEY_STATE,
  numbered,
  PREFIX_DEAD,
  PREFIX_EVENT,
  PREFIX_JOURNAL,
  PREFIX_SEEN,
  type AppliedEvent,
  type DeadLetter,
  type InboxMessage,
  type StoredJournal,
} from "./storage-layout.ts";

export interface RestoredPayment {
  events: number;
  journals: number;
  /** Pending dead letters restored (replayable). */
  dead_letters: number;
  /** Event ids in the dedupe set. */
  seen: number;
  /**
   * A finished payment with nothing pending: it must be woken when its rows are due to retire
   * (finished_retention_ms after this last change), as the actor had scheduled. Null otherwise;
   * the time of the last change when known, else 0 (wake it at once: it schedules itself).
   */
  finished_at: number | null;
}

/** Call on an actor with no rows; writes everything in one transaction. */
export function restorePayment(storage: ActorStorage, record: RecordedPayment, replayed: ReplayedPayment): RestoredPayment {
  return storage.transaction(() => {
    const { state } = replayed;
    const seen = new Set<string>();
    const remember = (event_id: string, at: number) => {
      if (seen.has(event_id)) return;
      seen.add(event_id);
      storage.put(PREFIX_SEEN + event_id, at);
    };

    const applied_of = new Map<string, { applied: AppliedEvent; journal: StoredJournal | null }>();
    let journals = 0;
    for (const { row, journal } of replayed.events) {
      const applied: AppliedEvent = {
        event_id: row.event_id,
        type: row.type,
        sequence: row.sequence,
        occurred_at: row.event.occurred_at,
        applied_at: row.applied_at,
        version: row.version,
        source: row.source,
      };
      storage.put(numbered(PREFIX_EVENT, row.version), applied);
      let stored: StoredJournal | null = null;
      if (journal !== null) {
        const created_at = record.journals.get(journal.journal_id)?.created_at ?? row.applied_at;
        stored = { ...journal, event_id: row.event_id, version: row.version, created_at };
        storage.put(numbered(PREFIX_JOURNAL, row.version), stored);
        journals += 1;
      }
      applied_of.set(row.event_id, { applied, journal: stored });
      remember(row.event_id, row.applied_at);
    }

    const meta = initialMeta();
    let dead_letters = 0;
    for (const row of record.dead_letters) {
      const event = eventOf(row, record.payment_id);
      if (event === null) continue;
      remember(event.id, row.first_failed_at);
      meta.dead_letter_version = Math.max(meta.dead_letter_version, row.version);
      if (row.status !== "pending") continue;
      storage.put(PREFIX_DEAD + event.id, deadLetter(row, event, applied_of.get(event.id) ?? null));
      dead_letters += 1;
    }

    meta.dead_letter_count = dead_letters;
    for (const decision of record.fraud_decisions) {
      meta.fraud_decision_count = Math.max(meta.fraud_decision_count, Number(decision.decision_id.slice(decision.decision_id.lastIndexOf("/") + 1)) || 0);
    }
    // The projection only moves to a higher revision: the next change must go above it.
    meta.revision = record.projection?.revision ?? 0;
    meta.changed_at = record.projection?.updated_at ?? null;
    if (record.projection !== null || replayed.events.length > 0 || state.sequence_next !== 1) storage.put(KEY_STATE, state);
    storage.put(KEY_META, meta);
    return {
      events: replayed.events.length,
      journals,
      dead_letters,
      seen: seen.size,
      finished_at: isTerminal(state.status) && dead_letters === 0 ? (meta.changed_at ?? 0) : null,
    };
  });
}

function eventOf(row: DeadLetterRow, payment_id: string): PaymentEvent | null {
  const event = row.message as Partial<PaymentEvent> | null;
  if (typeof event !== "object" || event === null || typeof event.id !== "string" || event.payment_id !== payment_id) return null;
  return event as PaymentEvent;
}

function deadLetter(row: DeadLetterRow, event: PaymentEvent, applied: { applied: AppliedEvent; journal: StoredJournal | null } | null): DeadLetter {
  const message: InboxMessage = {
    number: 0,
    event,
    source: row.source,
    accepted_at: row.first_failed_at,
    replay: row.source.kind === "replay",
    attempts: Math.max(0, row.attempts - 1),
    next_attempt_at: null,
    first_failed_at: row.first_failed_at,
    last_failure: { stage: row.stage, error_class: row.error_class, error_message: row.error_message, at: row.last_failed_at },
  };
  const letter: DeadLetter = {
    inbox_message: message,
    reason: row.reason,
    stage: row.stage,
    error_class: row.error_class,
    error_message: row.error_message,
    attempts: row.attempts,
    first_failed_at: row.first_failed_at,
    last_failed_at: row.last_failed_at,
    version: row.version,
  };
  // A refused event was applied (the replay put it back in the state); replaying the letter
  // writes its rows to Postgres again, as it would have before the loss.
  if (row.reason === SINK_REFUSED_REASON && applied !== null) {
    letter.outbox_entry = { created_at: row.first_failed_at, rows: appliedEventRows(message, applied.applied, applied.journal) };
  }
  return letter;
}
