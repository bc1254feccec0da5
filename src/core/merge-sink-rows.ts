/**
 * The one merge and the one count of SinkRows, used wherever rows meet: the actor's flush
 * (outbox entries into a page), the sink batcher (callers into a batch) and the writer (a
 * batch into statements).
 *
 * Merging keeps one row per key, because Postgres refuses an `ON CONFLICT DO UPDATE` that
 * touches the same row twice in one statement: an event-derived row keeps its first copy (they
 * are equal), a projection its highest `revision` or `version`, as it would across statements.
 * Rows come out sorted by key, so that concurrent batches lock rows in the same order and
 * cannot deadlock. Merging merged rows again changes nothing.
 */
import { emptySinkRows, type SinkRows } from "./postgres-rows.ts";

export function mergeSinkRows(entries: Iterable<Partial<SinkRows>>): SinkRows {
  const list = [...entries];
  const all = <Table extends keyof SinkRows>(table: Table): SinkRows[Table] =>
    list.flatMap((rows) => (rows[table] ?? []) as unknown[]) as SinkRows[Table];
  const merged = emptySinkRows();
  merged.payments = latest(all("payments"), (row) => row.payment_id, (row) => row.revision);
  merged.payment_events = first(all("payment_events"), (row) => `${row.payment_id}\u0000${row.event_id}`);
  merged.ledger_journals = first(all("ledger_journals"), (row) => row.journal_id);
  merged.ledger_transfers = first(all("ledger_transfers"), (row) => row.transfer_id);
  merged.fraud_decisions = first(all("fraud_decisions"), (row) => row.decision_id);
  merged.dead_letters = latest(all("dead_letters"), (row) => `${row.payment_id}\u0000${row.event_id}`, (row) => row.version);
  return merged;
}

/** Rows of every table; also counts rows prepared for binding, which keep the tables' names. */
export function countSinkRows(rows: { readonly [Table in keyof SinkRows]?: readonly unknown[] }): number {
  let count = 0;
  for (const list of Object.values(rows)) count += list?.length ?? 0;
  return count;
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
