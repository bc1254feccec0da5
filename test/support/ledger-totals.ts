/** In-memory ledger sums for tests: what a transfer does to its accounts (Postgres keeps its own, write-ledger.ts). */
import type { Balances, Transfer } from "../../src/core/ledger.ts";

/** What a transfer does to its debit and its credit account's totals. */
export function transferEffect(transfer: Transfer): { pending: number; posted: number } {
  switch (transfer.kind) {
    case "posted":
      return { pending: 0, posted: transfer.amount };
    case "pending":
      return { pending: transfer.amount, posted: 0 };
    case "post_pending":
      return { pending: -transfer.pending_amount, posted: transfer.amount };
    case "void_pending":
      return { pending: -transfer.pending_amount, posted: 0 };
  }
}

/** Folds transfers into per-account totals. */
export function accountTotals(transfers: Iterable<Transfer>): Map<string, Balances<number>> {
  const totals = new Map<string, Balances<number>>();
  const totalsOf = (account: string) => {
    let entry = totals.get(account);
    if (!entry) {
      entry = { debits_pending: 0, debits_posted: 0, credits_pending: 0, credits_posted: 0 };
      totals.set(account, entry);
    }
    return entry;
  };
  for (const transfer of transfers) {
    const effect = transferEffect(transfer);
    const debit = totalsOf(transfer.debit_account);
    debit.debits_pending += effect.pending;
    debit.debits_posted += effect.posted;
    const credit = totalsOf(transfer.credit_account);
    credit.credits_pending += effect.pending;
    credit.credits_posted += effect.posted;
  }
  return totals;
}
