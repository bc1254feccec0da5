/**
 * The whole fraud step for one payment event: observe every velocity counter, then evaluate
 * the rules. The actor runs it (through actors/payment/fraud-check.ts) before its synchronous
 * commit (DESIGN.md section 3), because the store may be remote; the outcome it returns is
 * then stored with the payment.
 */
import type { PaymentEvent } from "../event.ts";
import { fraudAttributes, velocityObservations, velocityTotalsByAttribute } from "./attributes.ts";
import { evaluateFraud, type FraudOutcome, type FraudRuleSet } from "./rules.ts";
import type { VelocityStore } from "./velocity.ts";
import { ruleWindows } from "./velocity-windows.ts";

/**
 * Safe to run again for the same event after a retry or a crash: the counters count each
 * payment once. Throws what the store throws (a TransientError when it is unreachable).
 */
export async function assessFraud(
  rules: FraudRuleSet,
  velocity: VelocityStore,
  event: PaymentEvent,
  now_ms: number,
): Promise<FraudOutcome> {
  const windows = ruleWindows(rules);
  const observations = velocityObservations(event, windows);
  // A payment with no velocity inputs needs no store: it is decided even while Redis is down.
  const totals = observations.length === 0 ? [] : await velocity.observe(observations.map(({ observation }) => observation), now_ms);
  const velocity_totals = velocityTotalsByAttribute(observations, totals);
  return evaluateFraud(rules, fraudAttributes(event, velocity_totals, windows));
}
