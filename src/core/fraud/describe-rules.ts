/** A human reading of a rule set, one line per rule, for the README and the startup log. */
import type { Condition } from "./condition.ts";
import type { FraudRule, FraudRuleSet } from "./rules.ts";

/**
 * @example
 * describeRules(DEFAULT_FRAUD_RULES)
 * // card_testing_cards_per_ip: block when cards_per_ip_hourly > 10
 * // ...
 * // card_country_not_ip_country: review when card_country != ip_country
 */
export function describeRules(rules: FraudRuleSet): string {
  const lines = rules.rules.map(describeRule);
  if (rules.rules.length === 0) lines.push("no rules: every payment is allowed");
  const thresholds = rules.score_thresholds;
  if (thresholds !== null) lines.push(`score thresholds: review at ${thresholds.review}, block at ${thresholds.block}`);
  return lines.join("\n");
}

function describeRule(rule: FraudRule): string {
  const outcome = "score" in rule ? `score ${rule.score >= 0 ? "+" : ""}${rule.score}` : rule.action;
  const shadow = rule.mode === "shadow" ? " (shadow)" : "";
  return `${rule.id}${shadow}: ${outcome} when ${describeCondition(rule.when)}`;
}

function describeCondition(condition: Condition): string {
  if ("all" in condition) return `(${condition.all.map(describeCondition).join(" and ")})`;
  if ("any" in condition) return `(${condition.any.map(describeCondition).join(" or ")})`;
  if ("not" in condition) return `not ${describeCondition(condition.not)}`;
  const right = "attribute_ref" in condition ? condition.attribute_ref : JSON.stringify(condition.value);
  const window = condition.window === undefined ? "" : ` over ${condition.window}`;
  return `${condition.attribute}${window} ${condition.op} ${right}`;
}
