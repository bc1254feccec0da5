/**
 * Turns the actors' SinkRows into table rows ready to bind: merged to one row per key and
 * sorted by key (src/core/merge-sink-rows.ts), text made safe for Postgres, and epoch
 * milliseconds turned into the `Date`s of `timestamptz` columns. This is the only place a
 * SinkRows time becomes a `Date`.
 */
import { mergeSinkRows } from "../core/merge-sink-rows.ts";
import type { SinkRows } from "../core/postgres-rows.ts";
import { jsonbSafe, textSafe, textSafeOrNull } from "./postgres-text.ts";
import type { dead_letters, fraud_decisions, ledger_journals, ledger_transfers, payment_events, payments } from "./schema.ts";

export interface PreparedRows {
  payments: (typeof payments.$inferInsert)[];
  payment_events: (typeof payment_events.$inferInsert)[];
  ledger_journals: (typeof ledger_journals.$inferInsert)[];
  ledger_transfers: (typeof ledger_transfers.$inferInsert)[];
  fraud_decisions: (typeof fraud_decisions.$inferInsert)[];
  dead_letters: (typeof dead_letters.$inferInsert)[];
}

export function prepareRows(rows: SinkRows): PreparedRows {
  const merged = mergeSinkRows([rows]);
  return {
    payments: merged.payments.map((row) => ({ ...row, updated_at: moment(row.updated_at) })),
    payment_events: merged.payment_events.map((row) => ({
      ...row,
      occurred_at: moment(row.occurred_at),
      applied_at: moment(row.applied_at),
      source: jsonbSafe(row.source),
      event: jsonbSafe(row.event),
    })),
    ledger_journals: merged.ledger_journals.map((row) => ({ ...row, created_at: moment(row.created_at) })),
    ledger_transfers: merged.ledger_transfers.map((row) => ({ ...row, created_at: moment(row.created_at) })),
    fraud_decisions: merged.fraud_decisions.map((row) => ({
      ...row,
      rules_fired: jsonbSafe(row.rules_fired),
      shadow_rules_fired: jsonbSafe(row.shadow_rules_fired),
      attributes: jsonbSafe(row.attributes),
      note: textSafeOrNull(row.note),
      decided_at: moment(row.decided_at),
      degraded_reason: textSafeOrNull(row.degraded_reason),
    })),
    dead_letters: merged.dead_letters.map((row) => ({
      ...row,
      error_message: textSafe(row.error_message),
      source: jsonbSafe(row.source),
      message: jsonbSafe(row.message) ?? null,
      first_failed_at: moment(row.first_failed_at),
      last_failed_at: moment(row.last_failed_at),
      updated_at: moment(row.updated_at),
    })),
  };
}

/**
 * Epoch milliseconds as a `Date`. Outbox entries stored before SinkRows times were numbers
 * carry ISO 8601 strings; `new Date` reads both, so they are written as they always were.
 */
function moment(at: number | string): Date {
  return new Date(at);
}
