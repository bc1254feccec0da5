/** Reads of the sink that only tests need: one payment's projection, a currency's ledger sums. */
import { eq, sql } from "drizzle-orm";
import type { Balances } from "../../src/core/ledger.ts";
import type { PaymentRow } from "../../src/core/postgres-rows.ts";
import { toBigint, type SinkDatabase } from "../../src/sink/database.ts";
import { ledger_accounts, payments } from "../../src/sink/schema.ts";

/** The `payments` row as the actor wrote it (times back to epoch milliseconds). */
export async function readPayment(sink: SinkDatabase, payment_id: string): Promise<PaymentRow | null> {
  const [row] = await sink.db.select().from(payments).where(eq(payments.payment_id, payment_id));
  if (row === undefined) return null;
  return { ...row, updated_at: row.updated_at.getTime() };
}

/** Sums over all accounts of a currency: debits equal credits, pending and posted, when balanced. */
export async function ledgerTotals(sink: SinkDatabase, currency: string): Promise<Balances<bigint> & { currency: string }> {
  // sum(bigint) is numeric, which drivers return as string or number: read it as text.
  const [row] = await sink.db
    .select({
      debits_pending: sql<string>`coalesce(sum(${ledger_accounts.debits_pending}), 0)::text`,
      debits_posted: sql<string>`coalesce(sum(${ledger_accounts.debits_posted}), 0)::text`,
      credits_pending: sql<string>`coalesce(sum(${ledger_accounts.credits_pending}), 0)::text`,
      credits_posted: sql<string>`coalesce(sum(${ledger_accounts.credits_posted}), 0)::text`,
    })
    .from(ledger_accounts)
    .where(eq(ledger_accounts.currency, currency));
  return {
    currency,
    debits_pending: toBigint(row?.debits_pending),
    debits_posted: toBigint(row?.debits_posted),
    credits_pending: toBigint(row?.credits_pending),
    credits_posted: toBigint(row?.credits_posted),
  };
}
