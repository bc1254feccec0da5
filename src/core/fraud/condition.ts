/**
 * Conditions of fraud rules: comparisons of an attribute against a literal or another
 * attribute, combined with `all`, `any` and `not`. Parsing lives in parse-condition.ts.
 *
 * A missing attribute (absent or null, e.g. a payment without a card country) makes every
 * comparison that reads it false, whatever the operator: `card_country != "US"` is false
 * for a payment with no card country, and so is `card_country not_in ["US"]`. Only an
 * explicit `not` turns that around: `not card_country == "US"` is true for it.
 */
import type { AttributeName, FraudAttributes, VelocityBaseName } from "./attribute-names.ts";
import { windowedAttributeName } from "./velocity-windows.ts";

export const SCALAR_OPERATORS = [">", ">=", "<", "<=", "==", "!="] as const;
export const LIST_OPERATORS = ["in", "not_in"] as const;
export const ORDERING_OPERATORS: readonly ScalarOperator[] = [">", ">=", "<", "<="];

export type ScalarOperator = (typeof SCALAR_OPERATORS)[number];
export type ListOperator = (typeof LIST_OPERATORS)[number];
export type ComparisonOperator = ScalarOperator | ListOperator;

/** Literals have the kind of the attribute they are compared with (checked at parse time). */
export type Literal = number | string;

/**
 * The left side of a comparison: a named attribute, or a velocity base with the window the
 * rule counts over (`{"attribute": "payments_per_card", "window": "10m"}`).
 */
interface ComparisonSubject {
  attribute: AttributeName | VelocityBaseName;
  /** Only with a velocity base: `10m`, `6h`, `7d` (velocity-windows.ts). */
  window?: string;
}

/** `{"attribute":"amount","op":">=","value":1000000}` */
export interface ValueComparison extends ComparisonSubject {
  op: ScalarOperator;
  value: Literal;
}

/** `{"attribute":"currency","op":"in","value":["USD","EUR"]}` */
export interface ListComparison extends ComparisonSubject {
  op: ListOperator;
  value: Literal[];
}

/** `{"attribute":"card_country","op":"!=","attribute_ref":"ip_country"}` */
export interface AttributeComparison extends ComparisonSubject {
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

  const left = attributes[subjectName(condition)] ?? null;
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

/** The attribute a comparison reads: `payments_per_card` over `10m` reads `payments_per_card_10m`. */
function subjectName(comparison: Comparison): string {
  return comparison.window === undefined ? comparison.attribute : windowedAttributeName(comparison.attribute as VelocityBaseName, comparison.window);
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
