/**
 * The state one payment actor keeps. Amounts are running totals in minor units; `disputed`
 * is the total ever disputed and is not reduced when a dispute is won or lost.
 */
import type { PendingTransfer } from "./ledger.ts";

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

export type FraudDecision = "allow" | "review" | "block";

export interface PaymentAmounts {
  authorized: number;
  captured: number;
  refunded: number;
  disputed: number;
  fees: number;
}

export interface FraudState {
  decision: FraudDecision;
  score: number;
  rules_fired: string[];
  shadow_rules_fired: string[];
  attributes: Record<string, string | number | boolean | null>;
  origin: "rules" | "override";
  note: string | null;
  decided_at: string;
  /** The decision the rules reached, kept when an operator overrides it. */
  rules_decision: FraudDecision | null;
  /**
   * True when the velocity store could not answer and FRAUD_FAIL_OPEN decided without it:
   * every velocity attribute is missing (null), so no velocity rule fired. Absent: false.
   */
  degraded?: boolean;
  /** Why the decision is degraded: the velocity store's error. */
  degraded_reason?: string | null;
}

export interface PaymentState {
  payment_id: string;
  /** null until the first event is applied. */
  status: PaymentStatus | null;
  /** While `status` is `blocked`: the status the payment had, restored by an override. */
  status_before_block: PaymentStatus | null;
  currency: string | null;
  merchant_id: string | null;
  customer_id: string | null;
  amounts: PaymentAmounts;
  /**
   * The authorization's pending transfer, while it reserves funds. Stored states written
   * before this name was `hold` are read by ActorStore.state.
   */
  pending_transfer: PendingTransfer | null;
  /** The amount under the open dispute, settled by dispute.won or dispute.lost. */
  dispute_open_amount: number;
  /** Events applied so far. */
  version: number;
  /** The next `sequence` to apply, for events that carry one. */
  sequence_next: number;
  fraud: FraudState | null;
}

export function initialPaymentState(payment_id: string): PaymentState {
  return {
    payment_id,
    status: null,
    status_before_block: null,
    currency: null,
    merchant_id: null,
    customer_id: null,
    amounts: { authorized: 0, captured: 0, refunded: 0, disputed: 0, fees: 0 },
    pending_transfer: null,
    dispute_open_amount: 0,
    version: 0,
    sequence_next: 1,
    fraud: null,
  };
}
