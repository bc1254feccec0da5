/**
 * Reads Postgres, the system of record, one page of payments at a time, for `npm run recover`
 * (src/hosts/bun/recover.ts): every row it holds about each payment, as the core's row types
 * (times in epoch ms). Pages are ranges of payment ids, so every query is an index range and
 * memory stays bounded however many payments there are.
 */
import { and, asc, gt, lte, ne, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { RecordedJournal, RecordedPayment } from "../core/replay-payment.ts";
import type { DeadLetterRow, FraudDecisionRow, PaymentEventRow, PaymentRow } from "../core/postgres-rows.ts";
import type { SinkDatabase } from "./database.ts";
import { dead_letters, fraud_decisions, ledger_journals, ledger_transfers, payment_events, payments } from "./schema.ts";

/** Dead letters of the Kafka consumer (poison records) belong to no actor: they stay in Postgres only. */
const KAFKA_INGEST_STAGE = "kafka_ingest";

export interface RecordedPage {
  payments: RecordedPayment[];
  /** The last payment id of the range read; null when this was the last page. */
  through: string | null;
}

/**
 * Payments after `after` (null: from the first), about `payments_max` of them: the next
 * `payments_max` ids of `payments`, with every payment id in that range found in the other
 * tables too (a payment whose only rows are dead letters has no projection).
 */
export async function readRecordedPage(sink: SinkDatabase, after: string | null, payments_max: number): Promise<RecordedPage> {
  const db = sink.db;
  const projections = await db
    .select()
    .from(payments)
    .where(after === null ? undefined : gt(payments.payment_id, after))
    .orderBy(asc(payments.payment_id))
    .limit(payments_max);
  const through = projections.length < payments_max ? null : projections.at(-1)!.payment_id;
  const range = (column: AnyPgColumn): SQL | undefined =>
    and(after === null ? undefined : gt(column, after), through === null ? undefined : lte(column, through));

  const [events, journals, transfers, decisions, letters] = await Promise.all([
    db.select().from(payment_events).where(range(payment_events.payment_id)).orderBy(asc(payment_events.payment_id), asc(payment_events.version)),
    db.select().from(ledger_journals).where(range(ledger_journals.payment_id)),
    db.select().from(ledger_transfers).where(range(ledger_transfers.payment_id)).orderBy(asc(ledger_transfers.transfer_id)),
    db.select().from(fraud_decisions).where(range(fraud_decisions.payment_id)),
    db.select().from(dead_letters).where(and(range(dead_letters.payment_id), ne(dead_letters.stage, KAFKA_INGEST_STAGE), ne(dead_letters.payment_id, ""))),
  ]);

  const recorded = new Map<string, RecordedPayment & { journals: Map<string, RecordedJournal> }>();
  const of = (payment_id: string) => {
    let payment = recorded.get(payment_id);
    if (payment === undefined) {
      payment = { payment_id, projection: null, events: [], journals: new Map(), fraud_decisions: [], dead_letters: [] };
      recorded.set(payment_id, payment);
    }
    return payment;
  };
  for (const row of projections) of(row.payment_id).projection = paymentRow(row);
  for (const row of events) of(row.payment_id).events.push(paymentEventRow(row));
  for (const row of journals) {
    of(row.payment_id).journals.set(row.journal_id, { journal_id: row.journal_id, currency: row.currency, created_at: row.created_at.getTime(), transfers: [] });
  }
  for (const row of transfers) {
    of(row.payment_id).journals.get(row.journal_id)?.transfers.push({
      transfer_id: row.transfer_id,
      debit_account: row.debit_account,
      credit_account: row.credit_account,
      amount: row.amount,
      kind: row.kind,
      pending_id: row.pending_id,
      pending_amount: row.pending_amount,
    });
  }
  for (const row of decisions) of(row.payment_id).fraud_decisions.push(fraudDecisionRow(row));
  for (const row of letters) of(row.payment_id).dead_letters.push(deadLetterRow(row));
  return { payments: [...recorded.values()].sort((a, b) => (a.payment_id < b.payment_id ? -1 : 1)), through };
}

function paymentRow(row: typeof payments.$inferSelect): PaymentRow {
  return { ...row, updated_at: row.updated_at.getTime() };
}

function paymentEventRow(row: typeof payment_events.$inferSelect): PaymentEventRow {
  return { ...row, occurred_at: row.occurred_at.getTime(), applied_at: row.applied_at.getTime() };
}

function fraudDecisionRow(row: typeof fraud_decisions.$inferSelect): FraudDecisionRow {
  return { ...row, decided_at: row.decided_at.getTime() };
}

function deadLetterRow(row: typeof dead_letters.$inferSelect): DeadLetterRow {
  return {
    ...row,
    first_failed_at: row.first_failed_at.getTime(),
    last_failed_at: row.last_failed_at.getTime(),
    updated_at: row.updated_at.getTime(),
  };
}
