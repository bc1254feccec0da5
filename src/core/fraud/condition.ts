/**
 * Conditions of fraud rules: comparisons of an attribute against a literal or another
 * attribute, combined with `all`, `any` and `not`. Parsing lives in parse-condition.ts.
 *
 * A missing attribute (absent or null, e.g. a payment without a card country) makes every
 * comparison that reads it false, whatever the operator: `card_country != "US"` is false
 * for a payment with no card country, and so is `card_country not_in ["US"]`. Only an
 * explicit `not` turns that around: `not card_country == "US"` is true for it.
 */
import type { AttributeName, FraudAttributes } from "./attribute-names.ts";

export const SCALAR_OPERATORS = [">", ">=", "<", "<=", "==", "!="] as const;
export const LIST_OPERATORS = ["in", "not_in"] as const;
export const ORDERING_OPERATORS: readonly ScalarOperator[] = [">", ">=", "<", "<="];

export type ScalarOperator = (typeof SCALAR_OPERATORS)[number];
export type ListOperator = (typeof LIST_OPERATORS)[number];
export type ComparisonOperator = ScalarOperator | ListOperator;

/** Literals have the kind of the attribute they are compared with (checked at parse time). */
export type Literal = number | string;

/** `{"attribute":"amount","op":">=","value":1000000}` */
export interface ValueComparison {
  attribute: AttributeName;
  op: ScalarOperator;
  value: Literal;
}

/** `{"attribute":"currency","op":"in","value":["USD","EUR"]}` */
export interface ListComparison {
  attribute: AttributeName;
  op: ListOperator;
  value: Literal[];
}

/** `{"attribute":"card_country","op":"!=","attribute_ref":"ip_country"}` */
export interface AttributeComparison {
  attribute: AttributeName;
  op: ScalarOperator;
  attribute_ref: AttributeName;
}

export type Comparison = ValueComparison | ListComparison | AttributeComparison;

export type Condition =
  | Comparison
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export function evaluateCondition(condition: Condition, attributes: FraudAttributes): boolean {
  if ("all" in condition) return condition.all.every((inner) => evaluateCondition(inner, attributes));
  if ("any" in condition) return condition.any.some((inner) => evaluateCondition(inner, attributes));
  if ("not" in condition) return !evaluateCondition(condition.not, attributes);

  const left = attributes[condition.attribute] ?? null;
  if (left === null) return false;
  if ("attribute_ref" in condition) {
    const right = attributes[condition.attribute_ref] ?? null;
    return right !== null && compare(left, condition.op, right);
  }
  if (isListComparison(condition)) {
    const found = condition.value.includes(left);
    return condition.op === "in" ? found : !found;
  }
  return compare(left, condition.op, condition.value);
}

function isListComparison(comparison: ValueComparison | ListComparison): comparison is ListComparison {
  return Array.isArray(comparison.value);
}

function compare(left: Literal, op: ScalarOperator, right: Literal): boolean {
  // Parsing keeps kinds apart; a value of the wrong kind at run time counts as missing.
  if (typeof left !== typeof right) return false;
  switch (op) {
    case "==":
      return left === right;
    case "!=":
      return left !== right;
    case ">":
      return left > right;
    case ">=":
      return left >= right;
    case "<":
      return left < right;
    case "<=":
      return left <= right;
  }
}
