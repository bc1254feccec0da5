/**
 * Rows the actor hands to the Postgres sink through its outbox. One outbox entry holds the
 * rows produced by one committed change; the sink writer merges entries into batches.
 *
 * Every row carries an event-derived key, so writing the same entry twice changes nothing:
 * inserts are ON CONFLICT DO NOTHING; `payments` and `dead_letters` are projections that only
 * move to a higher `version`.
 * Money fields are integer minor units (safe integers here, `bigint` in Postgres).
 * Timestamps are ISO 8601 strings in UTC.
 */
import type { MessageSource, PaymentEvent } from "./event.ts";

export type PaymentStatus =
  | "created"
  | "authorized"
  | "captured"
  | "partially_refunded"
  | "refunded"
  | "failed"
  | "canceled"
  | "disputed"
  | "dispute_won"
  | "dispute_lost"
  | "blocked";

export type FraudDecisionValue = "allow" | "review" | "block";

export interface PaymentRow {
  payment_id: string;
  status: PaymentStatus;
  currency: string | null;
  merchant_id: string | null;
  customer_id: string | null;
  amount_authorized: number;
  amount_captured: number;
  amount_refunded: number;
  amount_disputed: number;
  amount_fees: number;
  fraud_decision: FraudDecisionValue | null;
  /** Events applied so far. */
  version: number;
  /**
   * Every change of the payment's state (events applied, fraud overrides) increments it;
   * the projection in Postgres only moves to a higher revision.
   */
  revision: number;
  updated_at: string;
}

export interface PaymentEventRow {
  event_id: string;
  payment_id: string;
  type: string;
  sequence: number | null;
  occurred_at: string;
  applied_at: string;
  /** The payment's version after this event. */
  version: number;
  source: MessageSource;
  event: PaymentEvent;
}

export interface JournalRow {
  journal_id: string;
  payment_id: string;
  event_id: string;
  currency: string;
  created_at: string;
}

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

export interface TransferRow {
  transfer_id: string;
  journal_id: string;
  payment_id: string;
  debit_account: string;
  credit_account: string;
  currency: string;
  amount: number;
  kind: TransferKind;
  pending_id: string | null;
  pending_amount: number;
  created_at: string;
}

export interface FraudDecisionRow {
  /** `${payment_id}/fraud/${n}`: the n-th decision of this payment (1 = rules, later = overrides). */
  decision_id: string;
  payment_id: string;
  /** The event that triggered evaluation; null for an operator override. */
  event_id: string | null;
  decision: FraudDecisionValue;
  score: number;
  rules_fired: string[];
  shadow_rules_fired: string[];
  attributes: Record<string, string | number | boolean | null>;
  origin: "rules" | "override";
  note: string | null;
  decided_at: string;
  /** Decided without velocity, the velocity store unable to answer (FRAUD_FAIL_OPEN). */
  degraded: boolean;
  degraded_reason: string | null;
}

export type DeadLetterStatus = "pending" | "replayed" | "discarded";

export interface DeadLetterRow {
  payment_id: string;
  event_id: string;
  /** Per-payment counter of dead-letter changes; the row in Postgres only moves forward. */
  version: number;
  status: DeadLetterStatus;
  reason: string;
  stage: string;
  error_class: string;
  error_message: string;
  attempts: number;
  source: MessageSource;
  /** The original message as received (for a record that did not parse, its raw form). */
  message: unknown;
  first_failed_at: string;
  last_failed_at: string;
  updated_at: string;
}

export interface SinkRows {
  payments: PaymentRow[];
  payment_events: PaymentEventRow[];
  ledger_journals: JournalRow[];
  ledger_transfers: TransferRow[];
  fraud_decisions: FraudDecisionRow[];
  dead_letters: DeadLetterRow[];
}

export function emptySinkRows(): SinkRows {
  return {
    payments: [],
    payment_events: [],
    ledger_journals: [],
    ledger_transfers: [],
    fraud_decisions: [],
    dead_letters: [],
  };
}

export interface AccountBalance {
  account: string;
  currency: string;
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
}
