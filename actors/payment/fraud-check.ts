/** Runs the fraud rules for one event: velocity first (the only await), then pure evaluation. */
import type { PaymentEvent } from "../../src/core/event.ts";
import { fraudAttributes, velocityObservations, velocityTotalsByAttribute } from "../../src/core/fraud/attributes.ts";
import { evaluateFraud, type FraudRuleSet } from "../../src/core/fraud/rules.ts";
import type { VelocityStore } from "../../src/core/fraud/velocity.ts";
import type { FraudState } from "../../src/core/payment.ts";
import { iso } from "./sink-rows.ts";

export async function checkFraud(
  event: PaymentEvent,
  rules: FraudRuleSet,
  velocity: VelocityStore,
  now: number,
): Promise<FraudState> {
  const observations = velocityObservations(event);
  const totals = observations.length === 0 ? [] : await velocity.observe(observations.map((item) => item.observation), now);
  const attributes = fraudAttributes(event, velocityTotalsByAttribute(observations, totals));
  const outcome = evaluateFraud(rules, attributes);
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
