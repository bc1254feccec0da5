/**
 * Reads from the sink: what operators query across payments (dead letters, ledger balances),
 * the health check's ping, and the count of events the installation check and the
 * benchmarks read.
 */
import { and, asc, count, desc, eq, gte, sql, type SQL } from "drizzle-orm";
import type { DeadLetterFilter, DeadLetterReason } from "../core/dead-letters.ts";
import type { AccountBalance, DeadLetterListing } from "../core/postgres-rows.ts";
import { toBigint, toNumber, type SinkDatabase } from "./database.ts";
import { dead_letters, ledger_accounts, payment_events } from "./schema.ts";


/** Newest last failure first. */
export async function listDeadLetters(sink: SinkDatabase, filter: DeadLetterFilter): Promise<DeadLetterListing[]> {
  const conditions: SQL[] = [];
  // Any snake_case reason may be asked for; one no dead letter has simply matches nothing.
  if (filter.reason !== undefined) conditions.push(eq(dead_letters.reason, filter.reason as DeadLetterReason));
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

/** Throws when the database does not answer. */
export async function pingSink(sink: SinkDatabase): Promise<void> {
  await sink.db.execute(sql`select 1`);
}

export async function countPaymentEvents(sink: SinkDatabase): Promise<number> {
  const [row] = await sink.db.select({ events: count() }).from(payment_events);
  return toNumber(row?.events);
}
