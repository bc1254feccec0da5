/**
 * The ledger's part of a sink batch: inserts the transfers and moves the account totals by
 * exactly the transfers inserted, so that writing a batch twice never counts twice
 * (TigerBeetle's semantics, see TransferKind):
 *
 * | kind         | debit account                          | credit account                           |
 * |--------------|----------------------------------------|------------------------------------------|
 * | pending      | debits_pending += amount               | credits_pending += amount                |
 * | posted       | debits_posted += amount                | credits_posted += amount                 |
 * | post_pending | debits_pending -= pending_amount,      | credits_pending -= pending_amount,       |
 * |              | debits_posted += amount                | credits_posted += amount                 |
 * | void_pending | debits_pending -= pending_amount       | credits_pending -= pending_amount        |
 *
 * Both are common table expressions of the batch's one statement (writer.ts): the transfers'
 * `RETURNING` feeds the deltas of the rows really inserted, summed per account and applied in
 * (currency, account) order, so that concurrent batches lock accounts in the same order.
 */
import { sql, type SQL } from "drizzle-orm";
import { insertFromJson } from "./json-recordset.ts";
import { ledger_transfers } from "./schema.ts";

type TransferInsert = typeof ledger_transfers.$inferInsert;

/** `transfers` must hold one row per transfer_id (see prepare-rows.ts). */
export function ledgerExpressions(transfers: TransferInsert[]): SQL {
  const pending = sql.raw(
    `case kind when 'pending' then amount when 'post_pending' then -pending_amount when 'void_pending' then -pending_amount else 0 end`,
  );
  const posted = sql.raw(`case kind when 'posted' then amount when 'post_pending' then amount else 0 end`);
  return sql`transfers_inserted as (${insertFromJson(ledger_transfers, transfers)}
      on conflict (transfer_id) do nothing
      returning debit_account, credit_account, currency, kind, amount, pending_amount),
    legs as (
      select debit_account as account, currency, ${pending} as debits_pending, ${posted} as debits_posted,
        0::bigint as credits_pending, 0::bigint as credits_posted
      from transfers_inserted
      union all
      select credit_account, currency, 0::bigint, 0::bigint, ${pending}, ${posted}
      from transfers_inserted
    ),
    accounts_moved as (
      insert into ledger_accounts (account, currency, debits_pending, debits_posted, credits_pending, credits_posted)
      select account, currency, sum(debits_pending)::bigint, sum(debits_posted)::bigint,
        sum(credits_pending)::bigint, sum(credits_posted)::bigint
      from legs
      group by account, currency
      order by currency, account
      on conflict (account, currency) do update set
        debits_pending = ledger_accounts.debits_pending + excluded.debits_pending,
        debits_posted = ledger_accounts.debits_posted + excluded.debits_posted,
        credits_pending = ledger_accounts.credits_pending + excluded.credits_pending,
        credits_posted = ledger_accounts.credits_posted + excluded.credits_posted)`;
}
