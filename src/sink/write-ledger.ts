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
 * Each chunk of transfers is one statement whose `RETURNING` feeds the deltas of the rows
 * that were really inserted; the deltas of all chunks are summed here and applied in one pass
 * sorted by (currency, account), so that concurrent batches lock accounts in the same order.
 */
import { sql, type SQL } from "drizzle-orm";
import type { AccountBalance } from "../core/postgres-rows.ts";
import { chunksOf, columnCount } from "./chunks.ts";
import { queryRows, toBigint, type SinkDb } from "./database.ts";
import { ledger_accounts, ledger_transfers } from "./schema.ts";

type TransferInsert = typeof ledger_transfers.$inferInsert;

/** `transfers` must hold one row per transfer_id (see prepare-rows.ts). */
export async function writeLedger(tx: SinkDb, transfers: TransferInsert[], bind_parameters_max: number): Promise<void> {
  const deltas = new Map<string, AccountBalance>();
  for (const chunk of chunksOf(transfers, bind_parameters_max, columnCount(ledger_transfers))) {
    const rows = await queryRows<Record<keyof AccountBalance, string>>(tx, insertTransfers(tx, chunk));
    for (const row of rows) addDelta(deltas, row);
  }
  const sorted = [...deltas.values()].sort(compareAccounts);
  for (const chunk of chunksOf(sorted, bind_parameters_max, columnCount(ledger_accounts))) {
    await tx.execute(upsertAccounts(chunk));
  }
}

function insertTransfers(tx: SinkDb, transfers: TransferInsert[]): SQL {
  // The insert is drizzle's own, from the table: its columns, their order and their binding.
  const insert = tx
    .insert(ledger_transfers)
    .values(transfers)
    .onConflictDoNothing({ target: ledger_transfers.transfer_id })
    .returning({
      debit_account: ledger_transfers.debit_account,
      credit_account: ledger_transfers.credit_account,
      currency: ledger_transfers.currency,
      kind: ledger_transfers.kind,
      amount: ledger_transfers.amount,
      pending_amount: ledger_transfers.pending_amount,
    });
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
  // Totals travel as text: postgres.js, node-postgres and PGlite each treat a JS bigint differently.
  const values = sql.join(
    accounts.map(
      (row) =>
        sql`(${row.account}, ${row.currency}, ${String(row.debits_pending)}::bigint, ${String(row.debits_posted)}::bigint, ${String(row.credits_pending)}::bigint, ${String(row.credits_posted)}::bigint)`,
    ),
    sql`, `,
  );
  return sql`
    insert into ledger_accounts (account, currency, debits_pending, debits_posted, credits_pending, credits_posted)
    values ${values}
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
