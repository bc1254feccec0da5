/**
 * Turns the actors' SinkRows into table rows ready to insert: one row per key, sorted by key.
 *
 * One row per key because a batch merges many outbox entries, and Postgres refuses an
 * `ON CONFLICT DO UPDATE` that touches the same row twice in one statement; for the
 * projections the highest version wins, as it would across statements. Sorted by key so that
 * concurrent batches lock rows in the same order and cannot deadlock.
 */
import type { DeadLetterRow, PaymentRow, SinkRows, TransferRow } from "../core/records.ts";
import { jsonbSafe, textSafe, textSafeOrNull } from "./postgres-text.ts";
import type { dead_letters, fraud_decisions, ledger_journals, payment_events, payments } from "./schema.ts";

export interface PreparedRows {
  payments: (typeof payments.$inferInsert)[];
  payment_events: (typeof payment_events.$inferInsert)[];
  ledger_journals: (typeof ledger_journals.$inferInsert)[];
  ledger_transfers: TransferRow[];
  fraud_decisions: (typeof fraud_decisions.$inferInsert)[];
  dead_letters: (typeof dead_letters.$inferInsert)[];
}

export function prepareRows(rows: SinkRows): PreparedRows {
  return {
    payments: latest(rows.payments, (row) => row.payment_id, (row) => row.revision).map(paymentInsert),
    payment_events: first(rows.payment_events, (row) => `${row.payment_id}\u0000${row.event_id}`).map((row) => ({
      ...row,
      occurred_at: new Date(row.occurred_at),
      applied_at: new Date(row.applied_at),
      source: jsonbSafe(row.source),
      event: jsonbSafe(row.event),
    })),
    ledger_journals: first(rows.ledger_journals, (row) => row.journal_id).map((row) => ({
      ...row,
      created_at: new Date(row.created_at),
    })),
    ledger_transfers: first(rows.ledger_transfers, (row) => row.transfer_id),
    fraud_decisions: first(rows.fraud_decisions, (row) => row.decision_id).map((row) => ({
      ...row,
      rules_fired: jsonbSafe(row.rules_fired),
      shadow_rules_fired: jsonbSafe(row.shadow_rules_fired),
      attributes: jsonbSafe(row.attributes),
      note: textSafeOrNull(row.note),
      decided_at: new Date(row.decided_at),
      degraded_reason: textSafeOrNull(row.degraded_reason),
    })),
    dead_letters: latest(rows.dead_letters, (row) => `${row.payment_id}\u0000${row.event_id}`, (row) => row.version).map(
      deadLetterInsert,
    ),
  };
}

export function preparedRowCount(rows: PreparedRows): number {
  return (
    rows.payments.length +
    rows.payment_events.length +
    rows.ledger_journals.length +
    rows.ledger_transfers.length +
    rows.fraud_decisions.length +
    rows.dead_letters.length
  );
}

function paymentInsert(row: PaymentRow): typeof payments.$inferInsert {
  return { ...row, updated_at: new Date(row.updated_at) };
}

function deadLetterInsert(row: DeadLetterRow): typeof dead_letters.$inferInsert {
  return {
    ...row,
    error_message: textSafe(row.error_message),
    source: jsonbSafe(row.source),
    message: jsonbSafe(row.message) ?? null,
    first_failed_at: new Date(row.first_failed_at),
    last_failed_at: new Date(row.last_failed_at),
    updated_at: new Date(row.updated_at),
  };
}

function first<Row>(rows: Row[], keyOf: (row: Row) => string): Row[] {
  const kept = new Map<string, Row>();
  for (const row of rows) {
    const key = keyOf(row);
    if (!kept.has(key)) kept.set(key, row);
  }
  return sortedValues(kept);
}

function latest<Row>(rows: Row[], keyOf: (row: Row) => string, versionOf: (row: Row) => number): Row[] {
  const kept = new Map<string, Row>();
  for (const row of rows) {
    const key = keyOf(row);
    const current = kept.get(key);
    if (current === undefined || versionOf(row) > versionOf(current)) kept.set(key, row);
  }
  return sortedValues(kept);
}

function sortedValues<Row>(rows: Map<string, Row>): Row[] {
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}
