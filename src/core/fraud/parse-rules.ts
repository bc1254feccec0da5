/**
 * Strict parsing of a fraud rule set (format in rules.ts), on valibot. Every problem is
 * reported with the rule's id and the path inside the JSON; unknown fields, unknown
 * attributes and duplicate rule ids are errors.
 */
import * as v from "valibot";
import { fail, ok, type Result } from "../result.ts";
import { conditionSchema } from "./parse-condition.ts";
import { fieldsOf, isPlainObject, issuePath, pathOf, quote, summary } from "./parse-issues.ts";
import { FRAUD_ACTIONS, RULE_MODES, type FraudRule, type FraudRuleSet, type ScoreThresholds } from "./rules.ts";

export const RULES_MAX = 500;
export const RULE_ID_LENGTH_MAX = 100;
/** Keeps the sum of all scores a safe integer. */
export const SCORE_MAGNITUDE_MAX = 1_000_000;
const ISSUES_SHOWN_MAX = 20;
const RULE_ID_PATTERN = /^[A-Za-z0-9_.:-]+$/;
const RULE_FIELDS = ["id", "when", "action", "score", "mode"];
const THRESHOLDS_SHAPE = `must be {"review": n, "block": n} with integers 1 <= review <= block`;

const RULE = v.pipe(
  fieldsOf(
    {
      id: v.custom<string>(isRuleId, (issue) => `must be a string of 1 to ${RULE_ID_LENGTH_MAX} letters, digits, "_", ".", ":" or "-"; found ${quote(issue.input)}`),
      when: v.optional(conditionSchema()),
      action: v.optional(v.picklist(FRAUD_ACTIONS, (issue) => `unknown action ${quote(issue.input)}; expected one of ${FRAUD_ACTIONS.join(", ")}`)),
      score: v.optional(v.custom<number>(isScore, (issue) => `must be an integer from -${SCORE_MAGNITUDE_MAX} to ${SCORE_MAGNITUDE_MAX}; found ${quote(issue.input)}`)),
      mode: v.nullish(v.picklist(RULE_MODES, (issue) => `unknown mode ${quote(issue.input)}; expected one of ${RULE_MODES.join(", ")}`), "enforce"),
    },
    {
      not_object: (input) => `must be a rule object {"id", "when", "action" or "score", "mode"}; found ${quote(input)}`,
      unknown_field: `unknown field; a rule has ${RULE_FIELDS.join(", ")}`,
    },
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    const rule = dataset.value;
    if (!isPlainObject(rule)) return;
    if (!("when" in rule)) addIssue({ message: `needs a "when" condition` });
    const has_action = "action" in rule;
    const has_score = "score" in rule;
    if (has_action === has_score) {
      addIssue({ message: has_action ? `has both "action" and "score"; give one` : `needs an "action" (${FRAUD_ACTIONS.join(", ")}) or a "score"` });
    }
  }),
  v.transform(({ id, when, action, score, mode }): FraudRule => (action === undefined ? { id, when: when!, mode, score: score! } : { id, when: when!, mode, action })),
);

// A review threshold of 0 or less would send every payment with no score to review.
const THRESHOLDS = v.pipe(
  v.custom<ScoreThresholds>(
    (input) => isPlainObject(input) && Object.keys(input).length === 2 && isScore(input.review) && isScore(input.block) && input.review >= 1 && input.review <= input.block,
    (issue) => `${THRESHOLDS_SHAPE}; found ${quote(issue.input)}`,
  ),
  v.transform(({ review, block }): ScoreThresholds => ({ review, block })),
);

const RULE_SET = v.pipe(
  fieldsOf(
    {
      rules: v.pipe(
        v.array(v.unknown(), "must be an array of rules"),
        v.maxLength(RULES_MAX, (issue) => `at most ${RULES_MAX} rules; found ${issue.received}`),
        v.array(RULE),
        v.rawCheck(({ dataset, addIssue }) => {
          const index_by_id = new Map<string, number>();
          (dataset.value as unknown[]).forEach((rule, index) => {
            const id = validId(rule);
            if (id === null) return;
            const first = index_by_id.get(id);
            if (first === undefined) index_by_id.set(id, index);
            else addIssue({ message: `duplicate id; rules[${first}] has it already`, ...pathOf(dataset.value, [index, "id"]) });
          });
        }),
      ),
      // null is accepted as absent, so a parsed rule set serialised to JSON parses again.
      score_thresholds: v.nullish(THRESHOLDS, null),
      fail_open: v.nullish(v.boolean((issue) => `must be true or false; found ${quote(issue.input)}`), false),
    },
    {
      not_object: (input) => `fraud rules must be an object {"rules": [...], "score_thresholds": {...}}; found ${quote(input)}`,
      unknown_field: `unknown field; a rule set has "rules", "score_thresholds" and "fail_open"`,
    },
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    const rule_set = dataset.value;
    if (!isPlainObject(rule_set) || !Array.isArray(rule_set.rules) || rule_set.score_thresholds !== null) return;
    const scored = rule_set.rules.filter((rule) => isPlainObject(rule) && "score" in rule).map(validId).filter((id) => id !== null);
    if (scored.length > 0) {
      addIssue({ message: `required because rules ${scored.join(", ")} have a score: {"review": n, "block": n}`, ...pathOf(rule_set, ["score_thresholds"]) });
    }
  }),
  v.transform(({ rules, score_thresholds, fail_open }): FraudRuleSet => (fail_open ? { rules, score_thresholds, fail_open } : { rules, score_thresholds })),
);

export function parseFraudRules(input: unknown): Result<FraudRuleSet> {
  const parsed = v.safeParse(RULE_SET, input);
  if (parsed.success) return ok(parsed.output);
  // An issue without a path is the input itself: not an object at all.
  if (parsed.issues[0].path === undefined) return fail("invalid_fraud_rules", parsed.issues[0].message);
  return fail("invalid_fraud_rules", `invalid fraud rules: ${summary(parsed.issues.map(describeIssue), ISSUES_SHOWN_MAX)}`);
}

/** `rule "r1" at rules[0].when.op: ...`, or the bare path while the rule's own id is invalid. */
function describeIssue(issue: v.BaseIssue<unknown>): string {
  const [field, rule] = issue.path ?? [];
  const rule_id = field?.key === "rules" && rule !== undefined ? validId(rule.value) : null;
  const path = issuePath(issue);
  return `${rule_id === null ? path : `rule ${JSON.stringify(rule_id)} at ${path}`}: ${issue.message}`;
}

function validId(rule: unknown): string | null {
  return isPlainObject(rule) && isRuleId(rule.id) ? rule.id : null;
}

function isRuleId(id: unknown): id is string {
  return typeof id === "string" && id.length <= RULE_ID_LENGTH_MAX && RULE_ID_PATTERN.test(id);
}

function isScore(value: unknown): value is number {
  return Number.isSafeInteger(value) && Math.abs(value as number) <= SCORE_MAGNITUDE_MAX;
}
