/**
 * One synchronous change to a payment: apply, hold or dead-letter messages, then write the
 * state, the meta counters and one outbox entry together. Always used inside
 * `storage.transaction`, so a change is committed whole or not at all.
 */
import { decideEvent } from "../../src/core/apply-event.ts";
import type { DeadLetterErrorClass, DeadLetterReason, DeadLetterStage, RejectReason } from "../../src/core/dead-letters.ts";
import { needsFraudEvaluation, withFraudDecision } from "../../src/core/payment-fraud.ts";
import type { Journal } from "../../src/core/ledger.ts";
import type { FraudState, PaymentState } from "../../src/core/payment.ts";
import type { RefusedRecord } from "../../src/core/refused-record.ts";
import { countSinkRows } from "../../src/core/merge-sink-rows.ts";
import { emptySinkRows, paymentRow, type SinkRows } from "../../src/core/postgres-rows.ts";
import { ActorStore } from "./actor-store.ts";
import type { ActorCounter } from "./actor-metrics.ts";
import type { PaymentActorLimits } from "./limits.ts";
import {
  numbered,
  PREFIX_DEAD,
  PREFIX_EVENT,
  PREFIX_HELD,
  PREFIX_JOURNAL,
  type ActorMeta,
  type AppliedEvent,
  type DeadLetter,
  type HeldMessage,
  type InboxMessage,
  type StoredJournal,
  type OutboxEntry,
} from "./storage-layout.ts";
import { appliedEventRows, deadLetterRow, fraudDecisionRow } from "./sink-rows.ts";
import { deadLetterId } from "./refused-records.ts";

export type Disposition = "applied" | "held" | "dead_lettered" | "needs_fraud";

const STAGE_OF_REASON: Partial<Record<RejectReason, DeadLetterStage>> = {
  payment_blocked: "fraud",
  sequence_already_applied: "ordering",
};

export class UnitOfWork {
  state: PaymentState;
  readonly meta: ActorMeta;
  private rows: SinkRows = emptySinkRows();
  /** When the event applied into `rows` was accepted; null while they hold no applied event. */
  private rows_accepted_at: number | null = null;
  private state_changed = false;
  private readonly counters = new Map<ActorCounter, number>();

  constructor(
    private readonly store: ActorStore,
    readonly now: number,
    private readonly limits: PaymentActorLimits,
  ) {
    this.state = store.state();
    this.meta = store.meta();
  }

  /** Applies, holds or dead-letters one message. `fraud` is the outcome fetched for it, if any. */
  handle(message: InboxMessage, fraud: FraudState | null): Disposition {
    const event = message.event;
    const ignore_sequence = message.replay && event.sequence !== undefined && event.sequence < this.state.sequence_next;
    const decision = decideEvent(this.state, event, { ignore_sequence });

    if (decision.kind === "apply") {
      const evaluate = needsFraudEvaluation(this.state, event.type);
      if (evaluate && fraud === null) return "needs_fraud";
      let next = decision.state;
      if (evaluate) {
        next = withFraudDecision(next, fraud!);
        this.meta.fraud_decision_count += 1;
        this.rows.fraud_decisions.push(
          fraudDecisionRow(next.payment_id, this.meta.fraud_decision_count, event.id, fraud!),
        );
      }
      this.recordApplied(message, next, decision.journal);
      this.releaseHeld();
      return "applied";
    }

    if (decision.kind === "hold") {
      if (this.meta.held_count >= this.limits.held_events_max) {
        this.deadLetter(message, "hold_limit_exceeded", "ordering", "LimitExceeded",
          `${this.meta.held_count} events already wait for order on this payment (limit ${this.limits.held_events_max})`);
        return "dead_lettered";
      }
      const held: HeldMessage = {
        inbox_message: message,
        reason: decision.reason,
        held_at: this.now,
        deadline_at: this.now + this.limits.hold_timeout_ms,
      };
      this.store.storage.put(numbered(PREFIX_HELD, message.number), held);
      this.meta.held_count += 1;
      this.count("events_held");
      return "held";
    }

    if (!ignore_sequence && event.sequence === this.state.sequence_next) {
      // A rejected event still uses its sequence slot, so later ones are not stuck behind it.
      this.state = { ...this.state, sequence_next: this.state.sequence_next + 1 };
      this.state_changed = true;
    }
    this.deadLetter(message, decision.reason, STAGE_OF_REASON[decision.reason] ?? "state_machine", "RejectedEvent", decision.message);
    this.releaseHeld();
    return "dead_lettered";
  }

  takeFromInbox(message: InboxMessage): void {
    this.store.removeInbox(this.meta, message.number);
  }

  /** `attempts` counts every processing attempt, the final one included. */
  deadLetter(
    message: InboxMessage,
    reason: DeadLetterReason,
    stage: DeadLetterStage,
    error_class: DeadLetterErrorClass,
    error_message: string,
    attempts = message.attempts + 1,
    outbox_entry?: OutboxEntry,
  ): void {
    const existing = this.store.deadLetter(message.event.id);
    this.putDeadLetter(existing, {
      inbox_message: message,
      reason,
      stage,
      error_class,
      error_message,
      attempts,
      first_failed_at: existing?.first_failed_at ?? message.first_failed_at ?? this.now,
      last_failed_at: this.now,
      version: 0,
      ...(outbox_entry === undefined ? {} : { outbox_entry }),
    });
  }

  /**
   * Puts a poison record of this payment in its dead letters, as received (stage kafka_ingest);
   * again after a replay that still refuses it, one attempt more.
   */
  deadLetterRecord(record: RefusedRecord, accepted_at: number, attempts = 1): void {
    const existing = this.store.deadLetter(record.id);
    this.putDeadLetter(existing, {
      record,
      accepted_at,
      reason: record.reason,
      stage: "kafka_ingest",
      error_class: record.error_class,
      error_message: record.error_message,
      attempts,
      first_failed_at: existing?.first_failed_at ?? this.now,
      last_failed_at: this.now,
      version: 0,
    });
  }

  private putDeadLetter(existing: DeadLetter | undefined, letter: DeadLetter): void {
    this.meta.dead_letter_version += 1;
    letter.version = this.meta.dead_letter_version;
    this.store.storage.put(PREFIX_DEAD + deadLetterId(letter), letter);
    if (!existing) this.meta.dead_letter_count += 1;
    this.rows.dead_letters.push(deadLetterRow(this.state.payment_id, letter, "pending", letter.version, this.now));
    this.count("events_dead_lettered");
    this.seal();
  }

  /** Records a dead letter leaving the queue (replayed or discarded) for the Postgres row. */
  closeDeadLetter(letter: DeadLetter, status: "replayed" | "discarded"): void {
    this.store.storage.delete(PREFIX_DEAD + deadLetterId(letter));
    this.meta.dead_letter_count -= 1;
    this.meta.dead_letter_version += 1;
    this.rows.dead_letters.push(
      deadLetterRow(this.state.payment_id, letter, status, this.meta.dead_letter_version, this.now),
    );
  }

  /** Dead-letters held messages whose wait passed the hold timeout. */
  expireHeld(): void {
    if (this.meta.held_count === 0) return;
    for (const [key, held] of this.store.heldMessages()) {
      if (held.deadline_at > this.now) continue;
      this.store.storage.delete(key);
      this.meta.held_count -= 1;
      this.deadLetter(held.inbox_message, "out_of_order_timeout", "ordering", "HoldTimeout",
        `held ${this.now - held.held_at} ms (${held.reason}) without the earlier event arriving`);
    }
  }

  replaceState(state: PaymentState, fraud_event_id: string | null): void {
    this.state = state;
    this.state_changed = true;
    if (state.fraud && state.fraud.origin === "override") {
      this.meta.fraud_decision_count += 1;
      this.rows.fraud_decisions.push(
        fraudDecisionRow(state.payment_id, this.meta.fraud_decision_count, fraud_event_id, state.fraud),
      );
    }
  }

  /** Writes state, meta and the last outbox entry; returns the counters to report once committed. */
  finish(): Map<ActorCounter, number> {
    if (this.state_changed) {
      this.meta.revision += 1;
      this.meta.changed_at = this.now;
      this.store.putState(this.state);
      this.rows.payments.push(paymentRow(this.state, this.meta.revision, this.now));
    }
    this.seal();
    this.store.putMeta(this.meta);
    return this.counters;
  }

  /**
   * Closes the outbox entry of the message just handled. One entry per message keeps every
   * stored row about the size of one event, however many held events one change releases;
   * the last message's entry also carries the payment's projection (one write, not two).
   */
  private seal(): void {
    if (countSinkRows(this.rows) === 0) return;
    this.store.appendOutbox(this.meta, this.rows, this.now, this.rows_accepted_at);
    this.count("outbox_entries_added");
    this.rows = emptySinkRows();
    this.rows_accepted_at = null;
  }

  private recordApplied(message: InboxMessage, next: PaymentState, journal: Journal | null): void {
    // The rows of a message released before this one (a held event) get their own entry.
    this.seal();
    this.state = next;
    this.state_changed = true;
    this.rows_accepted_at = message.accepted_at;
    const applied: AppliedEvent = {
      event_id: message.event.id,
      type: message.event.type,
      sequence: message.event.sequence ?? null,
      occurred_at: message.event.occurred_at,
      applied_at: this.now,
      version: next.version,
      source: message.source,
    };
    this.store.storage.put(numbered(PREFIX_EVENT, next.version), applied);
    let stored: StoredJournal | null = null;
    if (journal) {
      stored = { ...journal, event_id: message.event.id, version: next.version, created_at: this.now };
      this.store.storage.put(numbered(PREFIX_JOURNAL, next.version), stored);
    }
    const rows = appliedEventRows(message, applied, stored);
    this.rows.payment_events.push(...(rows.payment_events ?? []));
    this.rows.ledger_journals.push(...(rows.ledger_journals ?? []));
    this.rows.ledger_transfers.push(...(rows.ledger_transfers ?? []));
    this.count("events_processed");
  }

  /** After a change, held messages that now apply (or now fail for good) leave the buffer. */
  private releaseHeld(): void {
    let progressed = true;
    while (progressed && this.meta.held_count > 0) {
      progressed = false;
      for (const [key, held] of this.store.heldMessages()) {
        const event = held.inbox_message.event;
        const ignore_sequence = held.inbox_message.replay && event.sequence !== undefined && event.sequence < this.state.sequence_next;
        const decision = decideEvent(this.state, event, { ignore_sequence });
        if (decision.kind === "hold") continue;
        if (decision.kind === "apply" && needsFraudEvaluation(this.state, event.type)) continue;
        this.store.storage.delete(key);
        this.meta.held_count -= 1;
        this.handle(held.inbox_message, null);
        progressed = true;
        break;
      }
    }
  }

  private count(counter: ActorCounter, by = 1): void {
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + by);
  }
}
