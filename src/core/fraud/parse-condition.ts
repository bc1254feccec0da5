/**
 * The schema of one rule condition: every field is checked against the attribute's kind, so
 * a rule that could never match (`"amount" > "1000"`, a misspelt attribute) is rejected when
 * the rules load instead of silently never firing.
 */
import * as v from "valibot";
import { ATTRIBUTE_KINDS, ATTRIBUTE_NAMES, isAttributeName, isVelocityBaseName, VELOCITY_BASE_NAMES, type AttributeKind, type AttributeName, type VelocityBaseName } from "./attribute-names.ts";
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
import { fieldsOf, isPlainObject, pathOf, quote, thenCheck } from "./parse-issues.ts";

export const CONDITION_DEPTH_MAX = 16;
export const LIST_VALUES_MAX = 1000;

const OPERATORS: readonly ComparisonOperator[] = [...SCALAR_OPERATORS, ...LIST_OPERATORS];
const COMBINATORS = ["all", "any", "not"] as const;
const CONDITION_SHAPES = `{"attribute", "op", "value" or "attribute_ref"}, {"all": [...]}, {"any": [...]} or {"not": {...}}`;

type ConditionSchema = v.GenericSchema<unknown, Condition>;

const conditions_by_depth: ConditionSchema[] = [];

/** The schema of a condition nested `depth` levels deep (a rule's `when` is at depth 1). */
export function conditionSchema(depth = 1): ConditionSchema {
  return (conditions_by_depth[depth] ??= v.lazy((input): ConditionSchema => {
    if (!isPlainObject(input)) return NOT_A_CONDITION;
    if (depth > CONDITION_DEPTH_MAX) return TOO_DEEP;
    const fields = Object.keys(input);
    const combinator = COMBINATORS.find((name) => fields.includes(name));
    if (combinator === undefined) return COMPARISON;
    if (fields.length !== 1) return COMBINATOR_NOT_ALONE;
    return combinatorSchema(combinator, depth);
  }));
}

const NOT_A_CONDITION = v.never((issue) => `must be a condition object: ${CONDITION_SHAPES}; found ${quote(issue.input)}`);
const TOO_DEEP = v.never(`conditions nest at most ${CONDITION_DEPTH_MAX} levels deep`);
const COMBINATOR_NOT_ALONE = v.never(
  (issue) => `"all", "any" and "not" each stand alone in their condition object; found ${Object.keys(issue.input as object).join(", ")}`,
);

function combinatorSchema(combinator: (typeof COMBINATORS)[number], depth: number): ConditionSchema {
  const inner = conditionSchema(depth + 1);
  if (combinator === "not") return v.object({ not: inner });
  const list = v.pipe(v.array(inner, "must be a non-empty array of conditions"), v.nonEmpty("must be a non-empty array of conditions"));
  return combinator === "all" ? v.object({ all: list }) : v.object({ any: list });
}

const COMPARISON_FIELDS = fieldsOf(
  {
    attribute: v.custom<AttributeName | VelocityBaseName>((name) => isAttributeName(name) || isVelocityBaseName(name), (issue) => unknownAttribute(issue.input)),
    op: v.picklist(OPERATORS, (issue) => `unknown operator ${quote(issue.input)}; expected one of ${OPERATORS.join(", ")}`),
    value: v.optional(v.unknown()),
    attribute_ref: v.optional(v.custom<AttributeName>(isAttributeName, (issue) => unknownAttribute(issue.input))),
    window: v.optional(v.unknown()),
  },
  {
    not_object: () => `must be a condition object: ${CONDITION_SHAPES}`,
    unknown_field: `unknown field; a comparison has "attribute", "op", "value" or "attribute_ref", and "window" for a velocity base`,
  },
);
type ComparisonFields = v.InferOutput<typeof COMPARISON_FIELDS>;

const COMPARISON: ConditionSchema = v.pipe(
  COMPARISON_FIELDS,
  v.rawCheck<ComparisonFields>(({ dataset, addIssue }) => {
    const comparison = dataset.value;
    if (!isPlainObject(comparison)) return;
    const { attribute } = comparison;
    if (isVelocityBaseName(attribute) && parseWindow(comparison.window) === null) {
      const message = `"${attribute}" counts over the window the rule names: give "window" as a whole number of s, m, h or d from 1s to 30d, e.g. "10m"; found ${quote(comparison.window)}`;
      addIssue({ message, ...pathOf(comparison, ["window"]) });
    } else if ("window" in comparison && isAttributeName(attribute)) {
      addIssue({ message: `only ${VELOCITY_BASE_NAMES.join(", ")} take a "window"; "${attribute}" has none of its own`, ...pathOf(comparison, ["window"]) });
    }
    const has_value = "value" in comparison;
    const has_reference = "attribute_ref" in comparison;
    if (has_value === has_reference) {
      addIssue({ message: has_value ? `has both "value" and "attribute_ref"; give one` : `needs a "value" or an "attribute_ref"` });
    }
  }),
  thenCheck<ComparisonFields>(({ attribute, op, attribute_ref, value }, report) => {
    const kind: AttributeKind = isVelocityBaseName(attribute) ? "number" : ATTRIBUTE_KINDS[attribute];
    if (kind === "string" && ORDERING_OPERATORS.includes(op as ScalarOperator)) {
      return report(`"${op}" compares numbers, but "${attribute}" holds strings; use ==, !=, in or not_in`, "op");
    }
    const is_list = LIST_OPERATORS.includes(op as ListOperator);
    if (attribute_ref !== undefined) {
      if (is_list) return report(`"${op}" needs a list "value", not an attribute_ref`, "attribute_ref");
      if (ATTRIBUTE_KINDS[attribute_ref] !== kind) return report(`"${attribute_ref}" holds ${ATTRIBUTE_KINDS[attribute_ref]}s but "${attribute}" holds ${kind}s`, "attribute_ref");
      return;
    }
    const wrong_kind = (item: unknown) => `must be a ${kind} ("${attribute}" holds ${kind}s); found ${quote(item)}`;
    if (!is_list) {
      if (!isLiteralOf(value, kind)) report(wrong_kind(value), "value");
      return;
    }
    if (!Array.isArray(value) || value.length === 0 || value.length > LIST_VALUES_MAX) {
      return report(`"${op}" needs a non-empty array of at most ${LIST_VALUES_MAX} ${kind}s; found ${quote(value)}`, "value");
    }
    const wrong = value.findIndex((item) => !isLiteralOf(item, kind));
    if (wrong >= 0) report(wrong_kind(value[wrong]), "value", wrong);
  }),
  v.transform(({ attribute, op, value, attribute_ref, window }): Condition => {
    const subject = window === undefined ? { attribute } : { attribute, window: windowText(parseWindow(window)!) };
    if (attribute_ref !== undefined) return { ...subject, op: op as ScalarOperator, attribute_ref };
    return Array.isArray(value) ? { ...subject, op: op as ListOperator, value } : { ...subject, op: op as ScalarOperator, value: value as string | number };
  }),
);

function isLiteralOf(value: unknown, kind: AttributeKind): value is string | number {
  return kind === "number" ? typeof value === "number" && Number.isFinite(value) : typeof value === "string";
}

function unknownAttribute(name: unknown): string {
  return `unknown attribute ${quote(name)}; known attributes: ${ATTRIBUTE_NAMES.join(", ")}; and, with a "window" such as "10m": ${VELOCITY_BASE_NAMES.join(", ")}`;
}
