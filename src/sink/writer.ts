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
import type { SinkDatabase } from "./database.ts";
import { insertFromJson } from "./json-recordset.ts";
import { prepareRows } from "./prepare-rows.ts";
import { dead_letters, fraud_decisions, ledger_journals, payment_events, payments } from "./schema.ts";
import { writeLedger } from "./write-ledger.ts";

export async function writeSinkRows(sink: SinkDatabase, rows: SinkRows): Promise<void> {
  const prepared = prepareRows(rows);
  if (countSinkRows(prepared) === 0) return;
  // Tables in a fixed order, rows sorted by key: concurrent batches take locks in one order.
  await sink.db.transaction(async (tx) => {
    if (prepared.payments.length > 0) {
      await tx.execute(sql`${insertFromJson(payments, prepared.payments)}
        on conflict (payment_id) do update set ${excludedColumns(payments, ["payment_id"])}
        where ${payments.revision} < excluded.revision`);
    }
    for (const [table, table_rows] of [
      [payment_events, prepared.payment_events],
      [ledger_journals, prepared.ledger_journals],
    ] as const) {
      if (table_rows.length > 0) await tx.execute(sql`${insertFromJson(table, table_rows)} on conflict do nothing`);
    }
    await writeLedger(tx, prepared.ledger_transfers);
    if (prepared.fraud_decisions.length > 0) {
      await tx.execute(sql`${insertFromJson(fraud_decisions, prepared.fraud_decisions)} on conflict do nothing`);
    }
    if (prepared.dead_letters.length > 0) {
      await tx.execute(sql`${insertFromJson(dead_letters, prepared.dead_letters)}
        on conflict (payment_id, event_id) do update set ${excludedColumns(dead_letters, ["payment_id", "event_id"])}
        where ${dead_letters.version} < excluded.version`);
    }
  });
}

const excluded_cache = new WeakMap<PgTable, SQL>();

/** `column = excluded.column, ...` for every column but the key. */
function excludedColumns(table: PgTable, key: string[]): SQL {
  let set = excluded_cache.get(table);
  if (set === undefined) {
    const columns = Object.values(getTableColumns(table)).filter((column) => !key.includes(column.name));
    set = sql.raw(columns.map((column) => `"${column.name}" = excluded."${column.name}"`).join(", "));
    excluded_cache.set(table, set);
  }
  return set;
}
