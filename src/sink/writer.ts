/**
 * Writes SinkRows to Postgres: one transaction, multi-row statements, idempotent.
 *
 * - Event-derived rows (`payment_events`, `ledger_journals`, `ledger_transfers`,
 *   `fraud_decisions`) are inserted `ON CONFLICT DO NOTHING`.
 * - Projections (`payments` by `revision`, `dead_letters` by `version`) are upserted only when
 *   the incoming row is newer, so a late or repeated batch never moves them back.
 * - `ledger_accounts` moves by the transfers actually inserted (write-ledger.ts).
 *
 * Writing the same rows twice, or in any order, leaves the same tables.
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { countSinkRows } from "../core/merge-sink-rows.ts";
import type { SinkRows } from "../core/postgres-rows.ts";
import { BIND_PARAMETERS_MAX, chunksOf, columnCount } from "./chunks.ts";
import type { SinkDatabase, SinkDb } from "./database.ts";
import { prepareRows } from "./prepare-rows.ts";
import { dead_letters, fraud_decisions, ledger_journals, payment_events, payments } from "./schema.ts";
import { writeLedger } from "./write-ledger.ts";

export interface WriteOptions {
  /** Bind parameters per statement; lower it only to exercise chunking in tests. */
  bind_parameters_max?: number;
}

export async function writeSinkRows(sink: SinkDatabase, rows: SinkRows, options: WriteOptions = {}): Promise<void> {
  const prepared = prepareRows(rows);
  if (countSinkRows(prepared) === 0) return;
  const parameters_max = options.bind_parameters_max ?? BIND_PARAMETERS_MAX;
  // Tables in a fixed order, rows sorted by key: concurrent batches take locks in one order.
  await sink.db.transaction(async (tx) => {
    for (const chunk of chunksOf(prepared.payments, parameters_max, columnCount(payments))) {
      await tx
        .insert(payments)
        .values(chunk)
        .onConflictDoUpdate({
          target: payments.payment_id,
          set: excludedColumns(payments, ["payment_id"]),
          setWhere: sql`${payments.revision} < excluded.revision`,
        });
    }
    await insertAll(tx, payment_events, prepared.payment_events, parameters_max);
    await insertAll(tx, ledger_journals, prepared.ledger_journals, parameters_max);
    await writeLedger(tx, prepared.ledger_transfers, parameters_max);
    await insertAll(tx, fraud_decisions, prepared.fraud_decisions, parameters_max);
    for (const chunk of chunksOf(prepared.dead_letters, parameters_max, columnCount(dead_letters))) {
      await tx
        .insert(dead_letters)
        .values(chunk)
        .onConflictDoUpdate({
          target: [dead_letters.payment_id, dead_letters.event_id],
          set: excludedColumns(dead_letters, ["payment_id", "event_id"]),
          setWhere: sql`${dead_letters.version} < excluded.version`,
        });
    }
  });
}

async function insertAll<Table extends PgTable>(
  tx: SinkDb,
  table: Table,
  rows: Table["$inferInsert"][],
  parameters_max: number,
): Promise<void> {
  for (const chunk of chunksOf(rows, parameters_max, columnCount(table))) {
    await tx.insert(table).values(chunk).onConflictDoNothing();
  }
}

/** `SET column = excluded.column` for every column but the key. */
function excludedColumns(table: PgTable, key: string[]): Record<string, SQL> {
  const set: Record<string, SQL> = {};
  for (const [field, column] of Object.entries(getTableColumns(table))) {
    if (!key.includes(column.name)) set[field] = sql.raw(`excluded."${column.name}"`);
  }
  return set;
}
