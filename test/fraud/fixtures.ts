import { expect } from "bun:test";
import type { PaymentEvent } from "../../src/core/event.ts";
import type { FraudAttributes } from "../../src/core/fraud/attribute-names.ts";
import { evaluateCondition } from "../../src/core/fraud/condition.ts";
import { parseFraudRules } from "../../src/core/fraud/parse-rules.ts";
import type { FraudRuleSet } from "../../src/core/fraud/rules.ts";

/** Parses a rule set that the test expects to be valid. */
export function rules(input: unknown): FraudRuleSet {
  const parsed = parseFraudRules(input);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

/** The error message of a rule set that the test expects to be invalid. */
export function ruleError(input: unknown): string {
  const parsed = parseFraudRules(input);
  if (parsed.ok) throw new Error(`expected invalid rules: ${JSON.stringify(input)}`);
  expect(parsed.error.code).toBe("invalid_fraud_rules");
  return parsed.error.message;
}

/** Whether a JSON condition, parsed as the `when` of a rule, matches the attributes. */
export function matches(when: unknown, attributes: FraudAttributes): boolean {
  const [rule] = rules({ rules: [{ id: "r", when, action: "review" }] }).rules;
  return evaluateCondition(rule!.when, attributes);
}

export function paymentEvent(data: Partial<PaymentEvent["data"]> = {}, payment_id = "pay_1"): PaymentEvent {
  return {
    id: `evt_${payment_id}_created`,
    type: "payment.created",
    payment_id,
    occurred_at: "2026-11-21T10:00:00Z",
    data: {
      amount: 1999,
      currency: "USD",
      merchant_id: "m_1",
      customer_id: "c_9",
      card: { fingerprint: "fp_abc", country: "US" },
      ip: "203.0.113.7",
      ip_country: "US",
      ...data,
    },
  };
}

