/**
 * Strict parsing of one rule condition: every field is checked against the attribute's
 * kind, so a rule that could never match (`"amount" > "1000"`, a misspelt attribute) is
 * rejected when the rules load instead of silently never firing.
 */
import { ATTRIBUTE_KINDS, ATTRIBUTE_NAMES, isAttributeName, isVelocityBaseName, VELOCITY_BASE_NAMES, type AttributeKind } from "./attribute-names.ts";
import { parseWindow, windowText } from "./velocity-windows.ts";
import {
  LIST_OPERATORS,
  ORDERING_OPERATORS,
  SCALAR_OPERATORS,
  type ComparisonOperator,
  type Condition,
  type ListOperator,
  type ScalarOperator,
} from "./condition.ts";
import { isPlainObject, quote, type ParseIssues } from "./parse-issues.ts";

export const CONDITION_DEPTH_MAX = 16;
export const LIST_VALUES_MAX = 1000;

const OPERATORS: readonly ComparisonOperator[] = [...SCALAR_OPERATORS, ...LIST_OPERATORS];
const COMPARISON_FIELDS = ["attribute", "op", "value", "attribute_ref", "window"];
const COMBINATORS = ["all", "any", "not"];

/** Returns null after reporting to `issues` when the condition is invalid. */
export function parseCondition(
  input: unknown,
  path: string,
  rule_id: string | null,
  issues: ParseIssues,
  depth = 1,
): Condition | null {
  const report = (at: string, message: string): null => {
    issues.report(rule_id, at, message);
    return null;
  };
  if (!isPlainObject(input)) {
    return report(path, `must be a condition object: {"attribute", "op", "value" or "attribute_ref"}, {"all": [...]}, {"any": [...]} or {"not": {...}}; found ${quote(input)}`);
  }
  if (depth > CONDITION_DEPTH_MAX) return report(path, `conditions nest at most ${CONDITION_DEPTH_MAX} levels deep`);

  const fields = Object.keys(input);
  const combinator = fields.find((field) => COMBINATORS.includes(field));
  if (combinator === undefined) return parseComparison(input, path, report);
  if (fields.length !== 1) {
    return report(path, `"all", "any" and "not" each stand alone in their condition object; found ${fields.join(", ")}`);
  }
  const inner_path = `${path}.${combinator}`;
  if (combinator === "not") {
    const inner = parseCondition(input.not, inner_path, rule_id, issues, depth + 1);
    return inner === null ? null : { not: inner };
  }
  const list = input[combinator];
  if (!Array.isArray(list) || list.length === 0) return report(inner_path, "must be a non-empty array of conditions");
  const inner = list.map((item, index) => parseCondition(item, `${inner_path}[${index}]`, rule_id, issues, depth + 1));
  if (inner.some((condition) => condition === null)) return null;
  const conditions = inner as Condition[];
  return combinator === "all" ? { all: conditions } : { any: conditions };
}

function parseComparison(
  input: Record<string, unknown>,
  path: string,
  report: (at: string, message: string) => null,
): Condition | null {
  let valid = true;
  const invalid = (at: string, message: string): void => {
    report(at, message);
    valid = false;
  };
  for (const field of Object.keys(input)) {
    if (!COMPARISON_FIELDS.includes(field)) {
      invalid(`${path}.${field}`, `unknown field; a comparison has "attribute", "op", "value" or "attribute_ref", and "window" for a velocity base`);
    }
  }
  const { attribute, op } = input;
  const windowed = isVelocityBaseName(attribute);
  if (!isAttributeName(attribute) && !windowed) invalid(`${path}.attribute`, unknownAttribute(attribute));
  let window: string | undefined;
  if (windowed) {
    const window_ms = parseWindow(input.window);
    if (window_ms === null) {
      invalid(`${path}.window`, `"${attribute}" counts over the window the rule names: give "window" as a whole number of s, m, h or d from 1s to 30d, e.g. "10m"; found ${quote(input.window)}`);
    } else {
      window = windowText(window_ms);
    }
  } else if ("window" in input && isAttributeName(attribute)) {
    invalid(`${path}.window`, `only ${VELOCITY_BASE_NAMES.join(", ")} take a "window"; "${attribute}" has none of its own`);
  }
  if (!OPERATORS.includes(op as ComparisonOperator)) {
    invalid(`${path}.op`, `unknown operator ${quote(op)}; expected one of ${OPERATORS.join(", ")}`);
  }
  const has_value = "value" in input;
  const has_reference = "attribute_ref" in input;
  if (has_value === has_reference) {
    invalid(path, has_value ? `has both "value" and "attribute_ref"; give one` : `needs a "value" or an "attribute_ref"`);
  }
  if (!valid || !(isAttributeName(attribute) || windowed)) return null;

  const operator = op as ComparisonOperator;
  const kind: AttributeKind = windowed ? "number" : ATTRIBUTE_KINDS[attribute as keyof typeof ATTRIBUTE_KINDS];
  const subject = window === undefined ? { attribute } : { attribute, window };
  if (kind === "string" && ORDERING_OPERATORS.includes(operator as ScalarOperator)) {
    return report(`${path}.op`, `"${operator}" compares numbers, but "${attribute}" holds strings; use ==, !=, in or not_in`);
  }
  const is_list = LIST_OPERATORS.includes(operator as ListOperator);

  if (has_reference) {
    const reference = input.attribute_ref;
    if (is_list) return report(`${path}.attribute_ref`, `"${operator}" needs a list "value", not an attribute_ref`);
    if (!isAttributeName(reference)) return report(`${path}.attribute_ref`, unknownAttribute(reference));
    if (ATTRIBUTE_KINDS[reference] !== kind) {
      return report(`${path}.attribute_ref`, `"${reference}" holds ${ATTRIBUTE_KINDS[reference]}s but "${attribute}" holds ${kind}s`);
    }
    return { ...subject, op: operator as ScalarOperator, attribute_ref: reference };
  }

  const value = input.value;
  if (!is_list) {
    if (!isLiteralOf(value, kind)) return report(`${path}.value`, `must be a ${kind} ("${attribute}" holds ${kind}s); found ${quote(value)}`);
    return { ...subject, op: operator as ScalarOperator, value };
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > LIST_VALUES_MAX) {
    return report(`${path}.value`, `"${operator}" needs a non-empty array of at most ${LIST_VALUES_MAX} ${kind}s; found ${quote(value)}`);
  }
  const wrong = value.findIndex((item) => !isLiteralOf(item, kind));
  if (wrong >= 0) return report(`${path}.value[${wrong}]`, `must be a ${kind} ("${attribute}" holds ${kind}s); found ${quote(value[wrong])}`);
  return { ...subject, op: operator as ListOperator, value: value as (string | number)[] };
}

function isLiteralOf(value: unknown, kind: AttributeKind): value is string | number {
  return kind === "number" ? typeof value === "number" && Number.isFinite(value) : typeof value === "string";
}

function unknownAttribute(name: unknown): string {
  return `unknown attribute ${quote(name)}; known attributes: ${ATTRIBUTE_NAMES.join(", ")}; and, with a "window" such as "10m": ${VELOCITY_BASE_NAMES.join(", ")}`;
}
