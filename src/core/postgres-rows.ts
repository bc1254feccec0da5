/**
 * Rows the actor hands to the Postgres sink through its outbox. One outbox entry holds the
 * rows produced by one committed change; the sink writer merges entries into batches.
 *
 * Every row carries an event-derived key, so writing the same entry twice changes nothing:
 * inserts are ON CONFLICT DO NOTHING; `payments` and `dead_letters` are projections that only
 * move to a higher `version`.
 * Money fields are integer minor units (safe integers here, `bigint` in Postgres).
 * Times are epoch milliseconds (`*_at`), turned into `timestamptz` only where rows are bound
 * (src/sink/prepare-rows.ts). Outbox entries stored before times were numbers hold ISO 8601
 * strings there; the binding reads both, so no stored entry needs rewriting.
 */
import type { DeadLetterErrorClass, DeadLetterReason, DeadLetterStage, DeadLetterStatus } from "./dead-letters.ts";
import type { MessageSource, PaymentEvent } from "./event.ts";
import type { Balances, TransferKind } from "./ledger.ts";
import type { FraudDecision, FraudState, PaymentState, PaymentStatus } from "./payment.ts";

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
  fraud_decision: FraudDecision | null;
  /** Events applied so far. */
  version: number;
  /**
   * Every change of the payment's state (events applied, fraud overrides) increments it;
   * the projection in Postgres only moves to a higher revision.
   */
  revision: number;
  updated_at: number;
}

/** The `payments` projection of a state (written by the actor, checked by the recovery replay). */
export function paymentRow(state: PaymentState, revision: number, now: number): PaymentRow {
  return {
    payment_id: state.payment_id,
    status: state.status ?? "created",
    currency: state.currency,
    merchant_id: state.merchant_id,
    customer_id: state.customer_id,
    amount_authorized: state.amounts.authorized,
    amount_captured: state.amounts.captured,
    amount_refunded: state.amounts.refunded,
    amount_disputed: state.amounts.disputed,
    amount_fees: state.amounts.fees,
    fraud_decision: state.fraud?.decision ?? null,
    version: state.version,
    revision,
    updated_at: now,
  };
}

export interface PaymentEventRow {
  event_id: string;
  payment_id: string;
  type: string;
  sequence: number | null;
  /** The event's `occurred_at`, as epoch milliseconds. */
  occurred_at: number;
  applied_at: number;
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
  created_at: number;
}

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
  created_at: number;
}

/** One fraud decision of a payment: its FraudState when decided, keyed, with the time in epoch ms. */
export interface FraudDecisionRow extends Omit<FraudState, "decided_at" | "rules_decision" | "degraded" | "degraded_reason"> {
  /** `${payment_id}/fraud/${n}`: the n-th decision of this payment (1 = rules, later = overrides). */
  decision_id: string;
  payment_id: string;
  /** The event that triggered evaluation; null for an operator override. */
  event_id: string | null;
  decided_at: number;
  /** Decided without velocity, the velocity store unable to answer (FRAUD_FAIL_OPEN). */
  degraded: boolean;
  degraded_reason: string | null;
}

export interface DeadLetterRow {
  payment_id: string;
  event_id: string;
  /** Per-payment counter of dead-letter changes; the row in Postgres only moves forward. */
  version: number;
  status: DeadLetterStatus;
  reason: DeadLetterReason;
  stage: DeadLetterStage;
  error_class: DeadLetterErrorClass;
  error_message: string;
  attempts: number;
  source: MessageSource;
  /** The original message as received (for a record that did not parse, its raw form). */
  message: unknown;
  first_failed_at: number;
  last_failed_at: number;
  updated_at: number;
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

/** A dead letter as GET /dlq lists it: the row, its times as ISO 8601 strings. */
export type DeadLetterListing = Omit<DeadLetterRow, "first_failed_at" | "last_failed_at" | "updated_at"> & {
  first_failed_at: string;
  last_failed_at: string;
  updated_at: string;
};

/** A `ledger_accounts` row: one account's totals in one currency. */
export interface AccountBalance extends Balances<bigint> {
  account: string;
  currency: string;
}
