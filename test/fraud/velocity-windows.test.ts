import { describe, expect, test } from "bun:test";
import { velocityObservations } from "../../src/core/fraud/attributes.ts";
import { describeRules } from "../../src/core/fraud/describe-rules.ts";
import { parseFraudRules } from "../../src/core/fraud/parse-rules.ts";
import { evaluateFraud } from "../../src/core/fraud/rules.ts";
import { parseWindow, ruleWindows, windowText } from "../../src/core/fraud/velocity-windows.ts";
import type { PaymentEvent } from "../../src/core/event.ts";

const rule = (when: object) => ({ rules: [{ id: "r1", when, action: "block" }] });

function parsed(when: object) {
  const result = parseFraudRules(rule(when));
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function refused(when: object): string {
  const result = parseFraudRules(rule(when));
  if (result.ok) throw new Error("accepted");
  return result.error.message;
}

const EVENT: PaymentEvent = {
  id: "evt_1", type: "payment.created", payment_id: "pay_1", occurred_at: "2026-11-21T10:00:00Z",
  data: { amount: 700, currency: "EUR", customer_id: "c_1", card: { fingerprint: "fp_1" }, ip: "203.0.113.7" },
};

describe("per-rule velocity windows", () => {
  test("a window is a whole number of seconds, minutes, hours or days from 1s to 30d", () => {
    expect([parseWindow("90s"), parseWindow("10m"), parseWindow("6h"), parseWindow("30d")]).toEqual([90_000, 600_000, 21_600_000, 2_592_000_000]);
    for (const bad of ["10", "0m", "31d", "1.5h", "10 m", "", 10, null, "-1h"]) expect(parseWindow(bad)).toBeNull();
    expect([windowText(600_000), windowText(90_000), windowText(86_400_000)]).toEqual(["10m", "90s", "1d"]);
  });

  test("a velocity base with a window parses, its window spelt canonically, and round-trips through JSON", () => {
    const rules = parsed({ attribute: "payments_per_card", window: "600s", op: ">", value: 5 });
    expect(rules.rules[0]!.when).toEqual({ attribute: "payments_per_card", window: "10m", op: ">", value: 5 });
    const again = parseFraudRules(JSON.parse(JSON.stringify(rules)));
    expect(again.ok && again.value).toEqual(rules);
    expect(describeRules(rules)).toBe("r1: block when payments_per_card over 10m > 5");
  });

  test("a base without a window, a window on a named attribute, and a bad window are refused naming the field", () => {
    expect(refused({ attribute: "payments_per_card", op: ">", value: 5 })).toContain(`rules[0].when.window: "payments_per_card" counts over the window the rule names`);
    expect(refused({ attribute: "payments_per_card_hourly", window: "10m", op: ">", value: 5 })).toContain(`rules[0].when.window: only payments_per_card`);
    expect(refused({ attribute: "amount", window: "10m", op: ">", value: 5 })).toContain("rules[0].when.window");
    expect(refused({ attribute: "cards_per_ip", window: "45d", op: ">", value: 5 })).toContain(`found "45d"`);
    expect(refused({ attribute: "cards_per_ip", window: "10m", op: ">", value: "5" })).toContain("must be a number");
  });

  test("the rules' windows are counted once each; a window equal to a named attribute's reads that attribute", () => {
    const result = parseFraudRules({
      rules: [
        { id: "a", when: { attribute: "payments_per_card", window: "10m", op: ">", value: 5 }, action: "block" },
        { id: "b", when: { all: [{ attribute: "payments_per_card", window: "600s", op: ">", value: 3 }, { attribute: "amount_per_customer", window: "7d", op: ">", value: 100 }] }, action: "review", mode: "shadow" },
        { id: "c", when: { attribute: "payments_per_card", window: "1h", op: ">", value: 20 }, action: "block" },
      ],
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(ruleWindows(result.value)).toEqual([
      { attribute: "payments_per_card_10m", base: "payments_per_card", window_ms: 600_000 },
      { attribute: "amount_per_customer_7d", base: "amount_per_customer", window_ms: 604_800_000 },
    ]);
    const observations = velocityObservations(EVENT, ruleWindows(result.value)).slice(-2);
    expect(observations).toEqual([
      { attribute: "payments_per_card_10m", observation: { counter: "payments_per_card_10m:fp_1", member: "pay_1", weight: 1, window_ms: 600_000 } },
      { attribute: "amount_per_customer_7d", observation: { counter: "amount_per_customer_7d:EUR:c_1", member: "pay_1", weight: 700, window_ms: 604_800_000 } },
    ]);
    const outcome = evaluateFraud(result.value, { payments_per_card_hourly: 21, payments_per_card_10m: 4, amount_per_customer_7d: 50 });
    expect(outcome.rules_fired).toEqual(["c"]);
    expect(outcome.shadow_rules_fired).toEqual([]);
    expect(outcome.attributes.payments_per_card_10m).toBe(4);
  });
});
