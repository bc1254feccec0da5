import { describe, expect, test } from "bun:test";
import { ATTRIBUTE_NAMES } from "../../src/core/fraud/attribute-names.ts";
import { RULES_MAX } from "../../src/core/fraud/parse-rules.ts";
import { ruleError, rules } from "./fixtures.ts";

const when = { attribute: "amount", op: ">", value: 0 };
const one = (rule: Record<string, unknown>) => ({ rules: [{ id: "r1", when, action: "block", ...rule }] });

describe("a valid rule set", () => {
  test("parses to the same shape, with mode enforce by default", () => {
    const parsed = rules({
      rules: [
        { id: "card_testing_ip", when: { attribute: "cards_per_ip_hourly", op: ">", value: 10 }, action: "block" },
        { id: "country_mismatch", when: { attribute: "card_country", op: "!=", attribute_ref: "ip_country" }, action: "review" },
        { id: "big", when: { all: [when, { not: { attribute: "currency", op: "in", value: ["USD"] } }] }, score: 40, mode: "shadow" },
      ],
      score_thresholds: { review: 50, block: 90 },
    });
    expect(parsed.rules.map((rule) => rule.mode)).toEqual(["enforce", "enforce", "shadow"]);
    expect(parsed.rules[2] as unknown).toEqual({
      id: "big",
      when: { all: [when, { not: { attribute: "currency", op: "in", value: ["USD"] } }] },
      score: 40,
      mode: "shadow",
    });
    expect(parsed.score_thresholds).toEqual({ review: 50, block: 90 });
  });

  test("without score rules needs no thresholds", () => {
    expect(rules(one({})).score_thresholds).toBeNull();
  });
});

describe("errors name the rule and the path", () => {
  test("not an object", () => {
    expect(ruleError([])).toContain("must be an object");
    expect(ruleError(null)).toContain("must be an object");
  });

  test("unknown top-level field and missing rules", () => {
    const message = ruleError({ rule: [] });
    expect(message).toContain("rule: unknown field");
    expect(message).toContain("rules: must be an array");
  });

  test("too many rules", () => {
    const many = Array.from({ length: RULES_MAX + 1 }, (_, index) => ({ id: `r${index}`, when, action: "block" }));
    expect(ruleError({ rules: many })).toContain(`at most ${RULES_MAX} rules`);
  });

  test("a rule that is not an object", () => {
    expect(ruleError({ rules: ["block"] })).toContain("rules[0]: must be a rule object");
  });

  test("a missing or malformed id", () => {
    expect(ruleError({ rules: [{ when, action: "block" }] })).toContain("rules[0].id: must be a string");
    expect(ruleError(one({ id: "has space" }))).toContain("rules[0].id: must be a string");
    expect(ruleError(one({ id: "x".repeat(101) }))).toContain("rules[0].id");
  });

  test("a duplicate id", () => {
    const message = ruleError({ rules: [{ id: "same", when, action: "block" }, { id: "same", when, action: "review" }] });
    expect(message).toContain(`rule "same" at rules[1].id: duplicate id; rules[0] has it already`);
  });

  test("an unknown rule field", () => {
    expect(ruleError(one({ actions: "block" }))).toContain(`rule "r1" at rules[0].actions: unknown field`);
  });

  test("a missing condition", () => {
    expect(ruleError({ rules: [{ id: "r1", action: "block" }] })).toContain(`rule "r1" at rules[0]: needs a "when" condition`);
  });

  test("both or neither of action and score", () => {
    expect(ruleError(one({ score: 10 }))).toContain(`rule "r1" at rules[0]: has both "action" and "score"`);
    expect(ruleError({ rules: [{ id: "r1", when }] })).toContain(`rule "r1" at rules[0]: needs an "action"`);
  });

  test("an unknown action", () => {
    expect(ruleError(one({ action: "deny" }))).toContain(`rule "r1" at rules[0].action: unknown action "deny"; expected one of allow, block, review`);
  });

  test("a score that is not an integer in range", () => {
    const scored = (score: unknown) => ({ rules: [{ id: "s1", when, score }], score_thresholds: { review: 1, block: 2 } });
    expect(ruleError(scored(1.5))).toContain(`rule "s1" at rules[0].score: must be an integer`);
    expect(ruleError(scored("10"))).toContain(`rule "s1" at rules[0].score`);
    expect(ruleError(scored(10_000_000))).toContain(`rule "s1" at rules[0].score`);
  });

  test("an unknown mode", () => {
    expect(ruleError(one({ mode: "dry_run" }))).toContain(`rule "r1" at rules[0].mode: unknown mode "dry_run"; expected one of enforce, shadow`);
  });

  test("score rules without thresholds", () => {
    expect(ruleError({ rules: [{ id: "s1", when, score: 10 }] })).toContain("score_thresholds: required because rules s1 have a score");
  });

  test("malformed thresholds", () => {
    const with_thresholds = (score_thresholds: unknown) => ({ rules: [], score_thresholds });
    for (const bad of [{ review: 0, block: 10 }, { review: 50, block: 40 }, { review: 50 }, { review: 1, block: 2, allow: 0 }, 7]) {
      expect(ruleError(with_thresholds(bad))).toContain("score_thresholds: must be");
    }
  });
});

describe("condition errors", () => {
  const at = (condition: unknown) => ruleError(one({ when: condition }));

  test("an unknown attribute lists the known ones", () => {
    const message = at({ attribute: "cards_per_ipp", op: ">", value: 10 });
    expect(message).toContain(`rule "r1" at rules[0].when.attribute: unknown attribute "cards_per_ipp"; known attributes: ${ATTRIBUTE_NAMES.join(", ")}`);
  });

  test("an unknown attribute_ref", () => {
    expect(at({ attribute: "card_country", op: "!=", attribute_ref: "country" })).toContain(`rules[0].when.attribute_ref: unknown attribute "country"`);
  });

  test("an unknown operator", () => {
    expect(at({ attribute: "amount", op: "=>", value: 1 })).toContain(`rule "r1" at rules[0].when.op: unknown operator "=>"`);
  });

  test("neither or both of value and attribute_ref", () => {
    expect(at({ attribute: "amount", op: ">" })).toContain(`rules[0].when: needs a "value" or an "attribute_ref"`);
    expect(at({ attribute: "amount", op: ">", value: 1, attribute_ref: "amount" })).toContain(`has both "value" and "attribute_ref"`);
  });

  test("an unknown comparison field", () => {
    expect(at({ attribute: "amount", op: ">", value: 1, unit: "cents" })).toContain("rules[0].when.unit: unknown field");
  });

  test("a value of the wrong kind", () => {
    expect(at({ attribute: "amount", op: ">", value: "1000" })).toContain(`rules[0].when.value: must be a number ("amount" holds numbers); found "1000"`);
    expect(at({ attribute: "currency", op: "==", value: 840 })).toContain(`rules[0].when.value: must be a string`);
    expect(at({ attribute: "amount", op: "==", value: [1] })).toContain("rules[0].when.value: must be a number");
  });

  test("an ordering operator on a string attribute", () => {
    expect(at({ attribute: "currency", op: ">", value: "USD" })).toContain(`rules[0].when.op: ">" compares numbers, but "currency" holds strings`);
  });

  test("attributes of different kinds", () => {
    expect(at({ attribute: "amount", op: "==", attribute_ref: "currency" })).toContain(`"currency" holds strings but "amount" holds numbers`);
  });

  test("a list operator without a list", () => {
    expect(at({ attribute: "currency", op: "in", value: "USD" })).toContain(`rules[0].when.value: "in" needs a non-empty array`);
    expect(at({ attribute: "currency", op: "in", value: [] })).toContain(`"in" needs a non-empty array`);
    expect(at({ attribute: "currency", op: "not_in", attribute_ref: "ip_country" })).toContain(`"not_in" needs a list "value"`);
    expect(at({ attribute: "currency", op: "in", value: ["USD", 840] })).toContain("rules[0].when.value[1]: must be a string");
  });

  test("a malformed combinator", () => {
    expect(at({ all: [] })).toContain("rules[0].when.all: must be a non-empty array of conditions");
    expect(at({ any: { attribute: "amount" } })).toContain("rules[0].when.any: must be a non-empty array");
    expect(at({ not: when, all: [when] })).toContain(`rules[0].when: "all", "any" and "not" each stand alone in their condition object; found not, all`);
    expect(at("amount > 0")).toContain("rules[0].when: must be a condition object");
  });

  test("a nested error names its full path", () => {
    const message = at({ all: [when, { any: [when, { not: { attribute: "amount", op: ">", value: "x" } }] }] });
    expect(message).toContain(`rule "r1" at rules[0].when.all[1].any[1].not.value: must be a number`);
  });

  test("conditions nested too deep", () => {
    let condition: unknown = when;
    for (let depth = 0; depth < 20; depth += 1) condition = { not: condition };
    expect(at(condition)).toContain("conditions nest at most 16 levels deep");
  });
});

test("every problem of a rule set is reported at once", () => {
  const message = ruleError({
    rules: [
      { id: "a", when: { attribute: "nope", op: ">", value: 1 }, action: "block" },
      { id: "b", when, action: "deny" },
    ],
  });
  expect(message).toContain(`rule "a" at rules[0].when.attribute`);
  expect(message).toContain(`rule "b" at rules[1].action`);
});

test("keys JavaScript treats specially are unknown fields like any other", () => {
  const message = ruleError(JSON.parse(`{"rules": [{"id": "r1", "when": {"attribute": "amount", "op": ">", "value": 0, "constructor": 1}, "action": "block", "__proto__": {}}], "prototype": 1}`));
  expect(message).toContain("prototype: unknown field");
  expect(message).toContain(`rule "r1" at rules[0].__proto__: unknown field`);
  expect(message).toContain(`rule "r1" at rules[0].when.constructor: unknown field`);
});

test("every problem of one rule is reported at once", () => {
  const message = ruleError({ rules: [{ id: "r1", when: { attribute: "amount", op: ">", value: 0, attribute_ref: "nope" }, action: "deny", mode: "dry_run", note: "x" }] });
  expect(message).toContain(`rule "r1" at rules[0].when.attribute_ref: unknown attribute "nope"`);
  expect(message).toContain(`rule "r1" at rules[0].when: has both "value" and "attribute_ref"`);
  expect(message).toContain(`rule "r1" at rules[0].action: unknown action "deny"`);
  expect(message).toContain(`rule "r1" at rules[0].mode: unknown mode "dry_run"`);
  expect(message).toContain(`rule "r1" at rules[0].note: unknown field`);
});

test("more than twenty problems show the first twenty and a count", () => {
  const bad = Array.from({ length: 25 }, (_, index) => ({ id: `r${index}`, when, action: "deny" }));
  const message = ruleError({ rules: bad });
  expect(message).toContain(`rule "r19" at rules[19].action`);
  expect(message).not.toContain(`rule "r20"`);
  expect(message).toEndWith("; and 5 more");
});
