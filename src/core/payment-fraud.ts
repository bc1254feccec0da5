/** How a fraud decision, from the rules or from an operator, changes a payment. */
import type { EventType } from "./event.ts";
import type { FraudDecision, FraudState, PaymentState } from "./payment.ts";

/**
 * Rules run when a payment is created, or at authorization if its creation was never seen
 * (DESIGN.md section 6); an event that arrives later never re-runs them.
 */
export function needsFraudEvaluation(state: PaymentState, type: EventType): boolean {
  return state.fraud === null && (type === "payment.created" || type === "payment.authorized");
}

/** Records the decision and enforces it: `block` moves the payment to `blocked`. */
export function withFraudDecision(state: PaymentState, fraud: FraudState): PaymentState {
  const next: PaymentState = { ...state, fraud };
  return enforce(next, fraud.decision);
}

export function withFraudOverride(
  state: PaymentState,
  decision: FraudDecision,
  note: string | null,
  decided_at: string,
): PaymentState {
  const previous = state.fraud;
  const fraud: FraudState = {
    decision,
    score: previous?.score ?? 0,
    rules_fired: previous?.rules_fired ?? [],
    shadow_rules_fired: previous?.shadow_rules_fired ?? [],
    attributes: previous?.attributes ?? {},
    origin: "override",
    note,
    decided_at,
    rules_decision: previous === null ? null : (previous.rules_decision ?? previous.decision),
  };
  return enforce({ ...state, fraud }, decision);
}

function enforce(state: PaymentState, decision: FraudDecision): PaymentState {
  if (decision === "block" && state.status !== "blocked") {
    return { ...state, status_before_block: state.status, status: "blocked" };
  }
  if (decision !== "block" && state.status === "blocked") {
    return { ...state, status: state.status_before_block, status_before_block: null };
  }
  return state;
}
