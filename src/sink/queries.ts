/**
 * Reads from the sink: what operators query across payments (dead letters, ledger balances),
 * the health check, and helpers for tests and the benchmark.
 */
import { and, asc, count, desc, eq, gte, sql, type SQL } from "drizzle-orm";
import type { AccountBalance, DeadLetterRow, DeadLetterStatus, PaymentRow } from "../core/records.ts";
import { toBigint, toNumber, type SinkDatabase } from "./database.ts";
import { dead_letters, ledger_accounts, payment_events, payments } from "./schema.ts";

export interface DeadLetterFilter {
  reason?: string;
  /** ISO 8601; dead letters whose last failure is at or after it. */
  since?: string;
  status?: DeadLetterStatus;
  /** At most LIST_ENTRIES_MAX (the route checks it). */
  limit: number;
}

/** Newest last failure first. */
export async function listDeadLetters(sink: SinkDatabase, filter: DeadLetterFilter): Promise<DeadLetterRow[]> {
  const conditions: SQL[] = [];
  if (filter.reason !== undefined) conditions.push(eq(dead_letters.reason, filter.reason));
  if (filter.status !== undefined) conditions.push(eq(dead_letters.status, filter.status));
  if (filter.since !== undefined) conditions.push(gte(dead_letters.last_failed_at, new Date(filter.since)));
  const rows = await sink.db
    .select()
    .from(dead_letters)
    .where(and(...conditions))
    .orderBy(desc(dead_letters.last_failed_at), asc(dead_letters.payment_id), asc(dead_letters.event_id))
    .limit(Math.max(0, filter.limit));
  return rows.map((row) => ({
    ...row,
    first_failed_at: row.first_failed_at.toISOString(),
    last_failed_at: row.last_failed_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }));
}

/** Ordered by account. */
export async function ledgerAccounts(sink: SinkDatabase, currency: string): Promise<AccountBalance[]> {
  const rows = await sink.db
    .select()
    .from(ledger_accounts)
    .where(eq(ledger_accounts.currency, currency))
    .orderBy(asc(ledger_accounts.account));
  // drizzle's bigint mode already converts; toBigint guards a driver that hands back a number.
  return rows.map((row) => ({
    account: row.account,
    currency: row.currency,
    debits_pending: toBigint(row.debits_pending),
    debits_posted: toBigint(row.debits_posted),
    credits_pending: toBigint(row.credits_pending),
    credits_posted: toBigint(row.credits_posted),
  }));
}

export interface LedgerTotals {
  currency: string;
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
}

/** Sums over all accounts of a currency: debits equal credits, pending and posted, when balanced. */
export async function ledgerTotals(sink: SinkDatabase, currency: string): Promise<LedgerTotals> {
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

/** Throws when the database does not answer. */
export async function pingSink(sink: SinkDatabase): Promise<void> {
  await sink.db.execute(sql`select 1`);
}

export async function countPaymentEvents(sink: SinkDatabase): Promise<number> {
  const [row] = await sink.db.select({ events: count() }).from(payment_events);
  return toNumber(row?.events);
}

export async function readPayment(sink: SinkDatabase, payment_id: string): Promise<PaymentRow | null> {
  const [row] = await sink.db.select().from(payments).where(eq(payments.payment_id, payment_id));
  if (row === undefined) return null;
  return { ...row, updated_at: row.updated_at.toISOString() };
}
