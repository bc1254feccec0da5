/**
 * Ledger postings of DESIGN.md section 5, in TigerBeetle's terms. A journal is the transfers
 * of one event, in one currency. Its id is `${payment_id}/${event_id}` (payment ids hold no
 * `/`), and transfer ids are the journal id and the leg, so re-applying an event can never
 * post twice, and an event id that a provider reuses on another payment never collides.
 */

/**
 * A transfer, in TigerBeetle's terms:
 * - `posted`: moves `amount` at once (posted debits and credits).
 * - `pending`: reserves `amount` (pending debits and credits).
 * - `post_pending`: settles the pending transfer `pending_id` for `amount` (<= its amount);
 *   the rest is released. `pending_amount` is the pending transfer's full amount.
 * - `void_pending`: releases the pending transfer `pending_id`; `amount` is 0 and
 *   `pending_amount` the pending transfer's full amount.
 */
export type TransferKind = "posted" | "pending" | "post_pending" | "void_pending";

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

/** A pending transfer still open: what posting or voiding it settles. */
export interface PendingTransfer {
  transfer_id: string;
  amount: number;
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

/** Settles `pending_transfer` for `amount` (<= its amount); the remainder is released. */
export function postPending(
  journal_id: string,
  pending_transfer: PendingTransfer,
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
    pending_id: pending_transfer.transfer_id,
    pending_amount: pending_transfer.amount,
  };
}

export function voidPending(
  journal_id: string,
  pending_transfer: PendingTransfer,
  debit: string,
  credit: string,
): Transfer {
  return {
    transfer_id: transferId(journal_id, "void"),
    debit_account: debit,
    credit_account: credit,
    amount: 0,
    kind: "void_pending",
    pending_id: pending_transfer.transfer_id,
    pending_amount: pending_transfer.amount,
  };
}

/**
 * An account's four totals (TigerBeetle's words). `Amount` is `bigint` where Postgres keeps
 * them and `number` for in-memory sums.
 */
export interface Balances<Amount extends number | bigint> {
  debits_pending: Amount;
  debits_posted: Amount;
  credits_pending: Amount;
  credits_posted: Amount;
}
