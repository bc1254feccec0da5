import { describe, expect, test } from "bun:test";
import { ATTRIBUTE_NAMES } from "../../src/core/fraud/attribute-names.ts";
import { evaluateFraud } from "../../src/core/fraud/rules.ts";
import { rules } from "./fixtures.ts";

const always = { attribute: "amount", op: ">", value: 0 };
const never = { attribute: "amount", op: "<", value: 0 };
const attributes = { amount: 100, currency: "USD" };

function decide(rule_list: unknown[], score_thresholds?: unknown) {
  return evaluateFraud(rules({ rules: rule_list, ...(score_thresholds ? { score_thresholds } : {}) }), attributes);
}

describe("action precedence", () => {
  test("no rule matching allows", () => {
    const outcome = decide([{ id: "b", when: never, action: "block" }]);
    expect(outcome.decision).toBe("allow");
    expect(outcome.rules_fired).toEqual([]);
    expect(outcome.score).toBe(0);
  });

  test("a matching allow wins over block and review, wherever it stands", () => {
    const outcome = decide([
      { id: "b", when: always, action: "block" },
      { id: "r", when: always, action: "review" },
      { id: "a", when: always, action: "allow" },
    ]);
    expect(outcome.decision).toBe("allow");
    expect(outcome.rules_fired).toEqual(["b", "r", "a"]);
  });

  test("block wins over review", () => {
    const outcome = decide([
      { id: "r", when: always, action: "review" },
      { id: "b", when: always, action: "block" },
    ]);
    expect(outcome.decision).toBe("block");
  });

  test("review applies when nothing else matched", () => {
    expect(decide([{ id: "b", when: never, action: "block" }, { id: "r", when: always, action: "review" }]).decision).toBe("review");
  });
});

describe("scores", () => {
  const thresholds = { review: 50, block: 90 };
  const scored = (...scores: number[]) => scores.map((score, index) => ({ id: `s${index}`, when: always, score }));

  test.each([
    [[49], "allow"],
    [[50], "review"],
    [[30, 30], "review"],
    [[89], "review"],
    [[90], "block"],
    [[60, 40], "block"],
    [[100, -20], "review"],
  ] as const)("scores %p decide %s", (scores, decision) => {
    const outcome = decide(scored(...scores), thresholds);
    expect(outcome.decision).toBe(decision);
    expect(outcome.score).toBe(scores.reduce((sum, score) => sum + score, 0));
  });

  test("only matching rules add their score", () => {
    const outcome = decide([{ id: "s", when: always, score: 60 }, { id: "t", when: never, score: 60 }], thresholds);
    expect(outcome).toMatchObject({ decision: "review", score: 60, rules_fired: ["s"] });
  });

  test("a matching allow wins over a blocking score", () => {
    expect(decide([...scored(95), { id: "a", when: always, action: "allow" }], thresholds).decision).toBe("allow");
  });

  test("a blocking score wins over a review rule", () => {
    expect(decide([...scored(95), { id: "r", when: always, action: "review" }], thresholds).decision).toBe("block");
  });

  test("a review rule reviews even with a low score", () => {
    expect(decide([...scored(10), { id: "r", when: always, action: "review" }], thresholds).decision).toBe("review");
  });
});

describe("shadow mode", () => {
  test("a shadow block is recorded but not enforced", () => {
    const outcome = decide([{ id: "b", when: always, action: "block", mode: "shadow" }]);
    expect(outcome).toMatchObject({ decision: "allow", rules_fired: [], shadow_rules_fired: ["b"] });
  });

  test("a shadow allow does not override an enforced block", () => {
    const outcome = decide([
      { id: "a", when: always, action: "allow", mode: "shadow" },
      { id: "b", when: always, action: "block", mode: "enforce" },
    ]);
    expect(outcome).toMatchObject({ decision: "block", rules_fired: ["b"], shadow_rules_fired: ["a"] });
  });

  test("a shadow score is not added", () => {
    const outcome = decide([{ id: "s", when: always, score: 95, mode: "shadow" }], { review: 50, block: 90 });
    expect(outcome).toMatchObject({ decision: "allow", score: 0, shadow_rules_fired: ["s"] });
  });

  test("a shadow rule that does not match is not recorded", () => {
    expect(decide([{ id: "b", when: never, action: "block", mode: "shadow" }]).shadow_rules_fired).toEqual([]);
  });
});

test("the outcome records every attribute, null where missing", () => {
  const outcome = decide([]);
  expect(Object.keys(outcome.attributes).sort()).toEqual([...ATTRIBUTE_NAMES].sort());
  expect(outcome.attributes).toMatchObject({ amount: 100, currency: "USD", card_country: null, cards_per_ip_hourly: null });
});

test("an empty rule set allows everything", () => {
  expect(decide([]).decision).toBe("allow");
});
