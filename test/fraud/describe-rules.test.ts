import { expect, test } from "bun:test";
import { describeRules } from "../../src/core/fraud/describe-rules.ts";
import { rules } from "./fixtures.ts";

test("describeRules shows modes, scores, combinators and thresholds", () => {
  const described = describeRules(
    rules({
      rules: [
        {
          id: "big_foreign",
          when: { all: [{ attribute: "amount", op: ">=", value: 50000 }, { not: { attribute: "card_country", op: "in", value: ["US", "CA"] } }] },
          score: 40,
          mode: "shadow",
        },
        { id: "trusted", when: { any: [{ attribute: "merchant_id", op: "==", value: "m_1" }, { attribute: "amount", op: "<", value: 100 }] }, score: -10 },
      ],
      score_thresholds: { review: 50, block: 90 },
    }),
  );
  expect(described).toBe(
    [
      `big_foreign (shadow): score +40 when (amount >= 50000 and not card_country in ["US","CA"])`,
      `trusted: score -10 when (merchant_id == "m_1" or amount < 100)`,
      "score thresholds: review at 50, block at 90",
    ].join("\n"),
  );
});

test("describeRules says what an empty rule set does", () => {
  expect(describeRules(rules({ rules: [] }))).toBe("no rules: every payment is allowed");
});
