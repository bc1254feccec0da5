/**
 * Ledger postings of DESIGN.md section 5, in TigerBeetle's terms. A journal is the transfers
 * of one event, in one currency. Its id is `${payment_id}/${event_id}` (payment ids hold no
 * `/`), and transfer ids are the journal id and the leg, so re-applying an event can never
 * post twice, and an event id that a provider reuses on another payment never collides.
 */
import type { TransferKind } from "./records.ts";

export interface Transfer {
  transfer_id: string;
  debit_account: string;
  credit_account: string;
  amount: number;
  kind: TransferKind;
  pending_id: string | null;
  /** For post_pending and void_pending: the pending transfer's full amount, released. */
  pending_amount: number;
}

export interface Journal {
  journal_id: string;
  currency: string;
  transfers: Transfer[];
}

export const ACCOUNT_PSP_CLEARING = "psp:clearing";
export const ACCOUNT_PSP_DISPUTES = "psp:disputes";
export const ACCOUNT_REVENUE_FEES = "revenue:fees";
export const merchantPayable = (merchant_id: string) => `merchant:${merchant_id}:payable`;

export function journalId(payment_id: string, event_id: string): string {
  return `${payment_id}/${event_id}`;
}

export function transferId(journal_id: string, leg: string): string {
  return `${journal_id}:${leg}`;
}

export function posted(journal_id: string, leg: string, debit: string, credit: string, amount: number): Transfer {
  return {
    transfer_id: transferId(journal_id, leg),
    debit_account: debit,
    credit_account: credit,
    amount,
    kind: "posted",
    pending_id: null,
    pending_amount: 0,
  };
}

export function pending(journal_id: string, leg: string, debit: string, credit: string, amount: number): Transfer {
  return { ...posted(journal_id, leg, debit, credit, amount), kind: "pending" };
}

/** Settles `hold` for `amount` (<= hold.amount); the remainder is released. */
export function postPending(
  journal_id: string,
  hold: { transfer_id: string; amount: number },
  debit: string,
  credit: string,
  amount: number,
): Transfer {
  return {
    transfer_id: transferId(journal_id, "post"),
    debit_account: debit,
    credit_account: credit,
    amount,
    kind: "post_pending",
    pending_id: hold.transfer_id,
    pending_amount: hold.amount,
  };
}

export function voidPending(
  journal_id: string,
  hold: { transfer_id: string; amount: number },
  debit: string,
  credit: string,
): Transfer {
  return {
    transfer_id: transferId(journal_id, "void"),
    debit_account: debit,
    credit_account: credit,
    amount: 0,
    kind: "void_pending",
    pending_id: hold.transfer_id,
    pending_amount: hold.amount,
  };
}

export interface BalanceDeltas {
  debits_pending: number;
  debits_posted: number;
  credits_pending: number;
  credits_posted: number;
}

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

/** Folds transfers into per-account totals (used by tests; Postgres keeps its own). */
export function accountTotals(transfers: Iterable<Transfer>): Map<string, BalanceDeltas> {
  const totals = new Map<string, BalanceDeltas>();
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
