/** The Postgres rows one committed change produces (contract in src/core/postgres-rows.ts). */
import type { DeadLetterStatus } from "../../src/core/dead-letters.ts";
import type { FraudState, PaymentState } from "../../src/core/payment.ts";
import type { DeadLetterRow, FraudDecisionRow, SinkRows } from "../../src/core/postgres-rows.ts";
import type { AppliedEvent, DeadLetter, InboxMessage, StoredJournal } from "./storage-layout.ts";
import { deadLetterBody, deadLetterId, deadLetterSource } from "./refused-records.ts";

export function appliedEventRows(
  message: InboxMessage,
  applied: AppliedEvent,
  journal: StoredJournal | null,
): Partial<SinkRows> {
  const rows: Partial<SinkRows> = {
    payment_events: [
      {
        event_id: applied.event_id,
        payment_id: message.event.payment_id,
        type: applied.type,
        sequence: applied.sequence,
        occurred_at: Date.parse(applied.occurred_at),
        applied_at: applied.applied_at,
        version: applied.version,
        source: message.source,
        event: message.event,
      },
    ],
  };
  if (journal) {
    rows.ledger_journals = [
      {
        journal_id: journal.journal_id,
        payment_id: message.event.payment_id,
        event_id: journal.event_id,
        currency: journal.currency,
        created_at: journal.created_at,
      },
    ];
    rows.ledger_transfers = journal.transfers.map((transfer) => ({
      ...transfer,
      journal_id: journal.journal_id,
      payment_id: message.event.payment_id,
      currency: journal.currency,
      created_at: journal.created_at,
    }));
  }
  return rows;
}

export function fraudDecisionRow(
  payment_id: string,
  number: number,
  event_id: string | null,
  fraud: FraudState,
): FraudDecisionRow {
  return {
    decision_id: `${payment_id}/fraud/${number}`,
    payment_id,
    event_id,
    decision: fraud.decision,
    score: fraud.score,
    rules_fired: fraud.rules_fired,
    shadow_rules_fired: fraud.shadow_rules_fired,
    attributes: fraud.attributes,
    origin: fraud.origin,
    note: fraud.note,
    decided_at: Date.parse(fraud.decided_at),
    degraded: fraud.degraded ?? false,
    degraded_reason: fraud.degraded_reason ?? null,
  };
}

export function deadLetterRow(
  payment_id: string,
  letter: DeadLetter,
  status: DeadLetterStatus,
  version: number,
  now: number,
): DeadLetterRow {
  return {
    payment_id,
    event_id: deadLetterId(letter),
    version,
    status,
    reason: letter.reason,
    stage: letter.stage,
    error_class: letter.error_class,
    error_message: letter.error_message,
    attempts: letter.attempts,
    source: deadLetterSource(letter),
    message: deadLetterBody(letter) ?? null,
    first_failed_at: letter.first_failed_at,
    last_failed_at: letter.last_failed_at,
    updated_at: now,
  };
}
