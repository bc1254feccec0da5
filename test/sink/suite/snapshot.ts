import { asc, sql } from "drizzle-orm";
import type { SinkDatabase } from "../../../src/sink/database.ts";
import {
  dead_letters,
  fraud_decisions,
  ledger_accounts,
  ledger_journals,
  ledger_transfers,
  payment_events,
  payments,
} from "../../../src/sink/schema.ts";

export async function truncateSink(sink: SinkDatabase): Promise<void> {
  await sink.db.execute(
    sql`truncate payments, payment_events, ledger_journals, ledger_transfers, ledger_accounts, fraud_decisions, dead_letters`,
  );
}

/** Every row of every table, in key order: equal snapshots mean nothing changed. */
export async function snapshotSink(sink: SinkDatabase) {
  const { db } = sink;
  return {
    payments: await db.select().from(payments).orderBy(asc(payments.payment_id)),
    payment_events: await db.select().from(payment_events).orderBy(asc(payment_events.event_id)),
    ledger_journals: await db.select().from(ledger_journals).orderBy(asc(ledger_journals.journal_id)),
    ledger_transfers: await db.select().from(ledger_transfers).orderBy(asc(ledger_transfers.transfer_id)),
    ledger_accounts: await db
      .select()
      .from(ledger_accounts)
      .orderBy(asc(ledger_accounts.currency), asc(ledger_accounts.account)),
    fraud_decisions: await db.select().from(fraud_decisions).orderBy(asc(fraud_decisions.decision_id)),
    dead_letters: await db
      .select()
      .from(dead_letters)
      .orderBy(asc(dead_letters.payment_id), asc(dead_letters.event_id)),
  };
}
