/**
 * Inserts ledger transfers and moves the account totals by exactly the transfers inserted,
 * so that writing a batch twice never counts twice (TigerBeetle's semantics, see TransferKind):
 *
 * | kind         | debit account                          | credit account                           |
 * |--------------|----------------------------------------|------------------------------------------|
 * | pending      | debits_pending += amount               | credits_pending += amount                |
 * | posted       | debits_posted += amount                | credits_posted += amount                 |
 * | post_pending | debits_pending -= pending_amount,      | credits_pending -= pending_amount,       |
 * |              | debits_posted += amount                | credits_posted += amount                 |
 * | void_pending | debits_pending -= pending_amount       | credits_pending -= pending_amount        |
 *
 * The transfers are one statement whose `RETURNING` feeds the deltas of the rows that were
 * really inserted; the deltas are summed here and applied in one statement sorted by
 * (currency, account), so that concurrent batches lock accounts in the same order.
 */
import { sql, type SQL } from "drizzle-orm";
import type { AccountBalance } from "../core/postgres-rows.ts";
import { insertFromJson } from "./json-recordset.ts";
import { queryRows, toBigint, type SinkDb } from "./database.ts";
import { ledger_accounts, ledger_transfers } from "./schema.ts";

type TransferInsert = typeof ledger_transfers.$inferInsert;

/** `transfers` must hold one row per transfer_id (see prepare-rows.ts). */
export async function writeLedger(tx: SinkDb, transfers: TransferInsert[]): Promise<void> {
  if (transfers.length === 0) return;
  const deltas = new Map<string, AccountBalance>();
  const rows = await queryRows<Record<keyof AccountBalance, string>>(tx, insertTransfers(transfers));
  for (const row of rows) addDelta(deltas, row);
  if (deltas.size === 0) return;
  await tx.execute(upsertAccounts([...deltas.values()].sort(compareAccounts)));
}

function insertTransfers(transfers: TransferInsert[]): SQL {
  // The columns and their types come from the drizzle table (json-recordset.ts).
  const insert = sql`(${insertFromJson(ledger_transfers, transfers)}
    on conflict (transfer_id) do nothing
    returning debit_account, credit_account, currency, kind, amount, pending_amount)`;
  const pending = sql.raw(
    `case kind when 'pending' then amount when 'post_pending' then -pending_amount when 'void_pending' then -pending_amount else 0 end`,
  );
  const posted = sql.raw(`case kind when 'posted' then amount when 'post_pending' then amount else 0 end`);
  return sql`
    with inserted as ${insert}, legs as (
      select debit_account as account, currency, ${pending} as debits_pending, ${posted} as debits_posted,
        0::bigint as credits_pending, 0::bigint as credits_posted
      from inserted
      union all
      select credit_account, currency, 0::bigint, 0::bigint, ${pending}, ${posted}
      from inserted
    )
    select account, currency,
      sum(debits_pending)::text as debits_pending, sum(debits_posted)::text as debits_posted,
      sum(credits_pending)::text as credits_pending, sum(credits_posted)::text as credits_posted
    from legs
    group by account, currency`;
}

function upsertAccounts(accounts: AccountBalance[]): SQL {
  // Totals travel as JSON strings (JSON has no bigint), read by Postgres as `bigint`.
  const rows = accounts.map((row) => ({
    account: row.account,
    currency: row.currency,
    debits_pending: String(row.debits_pending),
    debits_posted: String(row.debits_posted),
    credits_pending: String(row.credits_pending),
    credits_posted: String(row.credits_posted),
  }));
  return sql`${insertFromJson(ledger_accounts, rows)}
    on conflict (account, currency) do update set
      debits_pending = ledger_accounts.debits_pending + excluded.debits_pending,
      debits_posted = ledger_accounts.debits_posted + excluded.debits_posted,
      credits_pending = ledger_accounts.credits_pending + excluded.credits_pending,
      credits_posted = ledger_accounts.credits_posted + excluded.credits_posted`;
}

function addDelta(deltas: Map<string, AccountBalance>, row: Record<keyof AccountBalance, string>): void {
  const key = `${row.currency}\u0000${row.account}`;
  const delta = deltas.get(key) ?? {
    account: row.account,
    currency: row.currency,
    debits_pending: 0n,
    debits_posted: 0n,
    credits_pending: 0n,
    credits_posted: 0n,
  };
  delta.debits_pending += toBigint(row.debits_pending);
  delta.debits_posted += toBigint(row.debits_posted);
  delta.credits_pending += toBigint(row.credits_pending);
  delta.credits_posted += toBigint(row.credits_posted);
  deltas.set(key, delta);
}

function compareAccounts(a: AccountBalance, b: AccountBalance): number {
  if (a.currency !== b.currency) return a.currency < b.currency ? -1 : 1;
  return a.account < b.account ? -1 : a.account > b.account ? 1 : 0;
}
