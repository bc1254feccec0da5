/** Runs the fraud rules for one event: velocity first (the only await), then pure evaluation. */
import type { PaymentEvent } from "../../src/core/event.ts";
import { assessFraud } from "../../src/core/fraud/assess-fraud.ts";
import { fraudAttributes } from "../../src/core/fraud/attributes.ts";
import { evaluateFraud, type FraudOutcome, type FraudRuleSet } from "../../src/core/fraud/rules.ts";
import type { VelocityStore } from "../../src/core/fraud/velocity.ts";
import { ruleWindows } from "../../src/core/fraud/velocity-windows.ts";
import type { FraudState } from "../../src/core/payment.ts";
import { iso } from "../../src/core/time.ts";

export async function checkFraud(
  event: PaymentEvent,
  rules: FraudRuleSet,
  velocity: VelocityStore,
  now: number,
): Promise<FraudState> {
  return decided(await assessFraud(rules, velocity, event, now), now);
}

/**
 * FRAUD_FAIL_OPEN: the decision without velocity, while the store cannot answer. Velocity
 * attributes are missing, so only rules over the payment itself can fire; the decision says
 * it is degraded, and why.
 */
export function checkFraudWithoutVelocity(event: PaymentEvent, rules: FraudRuleSet, now: number, reason: string): FraudState {
  const outcome = evaluateFraud(rules, fraudAttributes(event, {}, ruleWindows(rules)));
  return { ...decided(outcome, now), degraded: true, degraded_reason: reason };
}

function decided(outcome: FraudOutcome, now: number): FraudState {
  return {
    decision: outcome.decision,
    score: outcome.score,
    rules_fired: outcome.rules_fired,
    shadow_rules_fired: outcome.shadow_rules_fired,
    attributes: outcome.attributes,
    origin: "rules",
    note: null,
    decided_at: iso(now),
    rules_decision: null,
  };
}
