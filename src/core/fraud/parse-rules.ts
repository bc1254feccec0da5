/**
 * Strict parsing of a fraud rule set (format in rules.ts). Every problem is reported with
 * the rule's id and the path inside the JSON; unknown fields, unknown attributes and
 * duplicate rule ids are errors.
 */
import type { FraudDecision } from "../payment.ts";
import { fail, ok, type Result } from "../result.ts";
import { parseCondition } from "./parse-condition.ts";
import { isPlainObject, ParseIssues, quote } from "./parse-issues.ts";
import { FRAUD_ACTIONS, RULE_MODES, type FraudRule, type FraudRuleSet, type RuleMode, type ScoreThresholds } from "./rules.ts";

export const RULES_MAX = 500;
export const RULE_ID_LENGTH_MAX = 100;
/** Keeps the sum of all scores a safe integer. */
export const SCORE_MAGNITUDE_MAX = 1_000_000;
const ISSUES_SHOWN_MAX = 20;
const RULE_ID_PATTERN = /^[A-Za-z0-9_.:-]+$/;
const RULE_SET_FIELDS = ["rules", "score_thresholds", "fail_open"];
const RULE_FIELDS = ["id", "when", "action", "score", "mode"];

export function parseFraudRules(input: unknown): Result<FraudRuleSet> {
  if (!isPlainObject(input)) {
    return fail("invalid_fraud_rules", `fraud rules must be an object {"rules": [...], "score_thresholds": {...}}; found ${quote(input)}`);
  }
  const issues = new ParseIssues();
  for (const field of Object.keys(input)) {
    if (!RULE_SET_FIELDS.includes(field)) issues.report(null, field, `unknown field; a rule set has "rules", "score_thresholds" and "fail_open"`);
  }
  const rules: FraudRule[] = [];
  if (!Array.isArray(input.rules)) {
    issues.report(null, "rules", "must be an array of rules");
  } else if (input.rules.length > RULES_MAX) {
    issues.report(null, "rules", `at most ${RULES_MAX} rules; found ${input.rules.length}`);
  } else {
    const index_by_id = new Map<string, number>();
    input.rules.forEach((item: unknown, index: number) => {
      const rule = parseRule(item, `rules[${index}]`, issues);
      if (rule === null) return;
      const first = index_by_id.get(rule.id);
      if (first !== undefined) issues.report(rule.id, `rules[${index}].id`, `duplicate id; rules[${first}] has it already`);
      else index_by_id.set(rule.id, index);
      rules.push(rule);
    });
  }

  // null is accepted as absent, so a parsed rule set serialised to JSON parses again.
  const has_thresholds = input.score_thresholds !== undefined && input.score_thresholds !== null;
  const score_thresholds = has_thresholds ? parseThresholds(input.score_thresholds, issues) : null;
  const scored = rules.filter((rule) => "score" in rule).map((rule) => rule.id);
  if (scored.length > 0 && !has_thresholds) {
    issues.report(null, "score_thresholds", `required because rules ${scored.join(", ")} have a score: {"review": n, "block": n}`);
  }
  const fail_open = input.fail_open ?? false;
  if (typeof fail_open !== "boolean") issues.report(null, "fail_open", `must be true or false; found ${quote(input.fail_open)}`);
  if (!issues.empty) return fail("invalid_fraud_rules", `invalid fraud rules: ${issues.summary(ISSUES_SHOWN_MAX)}`);
  return fail_open === true ? ok({ rules, score_thresholds, fail_open }) : ok({ rules, score_thresholds });
}

function parseRule(input: unknown, path: string, issues: ParseIssues): FraudRule | null {
  if (!isPlainObject(input)) {
    issues.report(null, path, `must be a rule object {"id", "when", "action" or "score", "mode"}; found ${quote(input)}`);
    return null;
  }
  const id = typeof input.id === "string" && isRuleId(input.id) ? input.id : null;
  const count_before = issues.messages.length;
  const report = (at: string, message: string): void => issues.report(id, `${path}${at}`, message);

  if (id === null) {
    report(".id", `must be a string of 1 to ${RULE_ID_LENGTH_MAX} letters, digits, "_", ".", ":" or "-"; found ${quote(input.id)}`);
  }
  for (const field of Object.keys(input)) {
    if (!RULE_FIELDS.includes(field)) report(`.${field}`, `unknown field; a rule has ${RULE_FIELDS.join(", ")}`);
  }
  const when = "when" in input ? parseCondition(input.when, `${path}.when`, id, issues) : null;
  if (!("when" in input)) report("", `needs a "when" condition`);

  const has_action = "action" in input;
  const has_score = "score" in input;
  if (has_action === has_score) {
    report("", has_action ? `has both "action" and "score"; give one` : `needs an "action" (${FRAUD_ACTIONS.join(", ")}) or a "score"`);
  } else if (has_action && !FRAUD_ACTIONS.includes(input.action as FraudDecision)) {
    report(".action", `unknown action ${quote(input.action)}; expected one of ${FRAUD_ACTIONS.join(", ")}`);
  } else if (has_score && !isScore(input.score)) {
    report(".score", `must be an integer from -${SCORE_MAGNITUDE_MAX} to ${SCORE_MAGNITUDE_MAX}; found ${quote(input.score)}`);
  }
  const mode = input.mode ?? "enforce";
  if (!RULE_MODES.includes(mode as RuleMode)) {
    report(".mode", `unknown mode ${quote(mode)}; expected one of ${RULE_MODES.join(", ")}`);
  }

  if (issues.messages.length > count_before || id === null || when === null) return null;
  const base = { id, when, mode: mode as RuleMode };
  return has_action ? { ...base, action: input.action as FraudDecision } : { ...base, score: input.score as number };
}

function parseThresholds(input: unknown, issues: ParseIssues): ScoreThresholds | null {
  const shape = `must be {"review": n, "block": n} with integers 1 <= review <= block`;
  if (!isPlainObject(input)) {
    issues.report(null, "score_thresholds", `${shape}; found ${quote(input)}`);
    return null;
  }
  const fields = Object.keys(input);
  const { review, block } = input;
  const valid =
    fields.length === 2 &&
    isScore(review) &&
    isScore(block) &&
    review >= 1 &&
    review <= block;
  if (!valid) {
    // A review threshold of 0 or less would send every payment with no score to review.
    issues.report(null, "score_thresholds", `${shape}; found ${quote(input)}`);
    return null;
  }
  return { review, block };
}

function isRuleId(id: string): boolean {
  return id.length <= RULE_ID_LENGTH_MAX && RULE_ID_PATTERN.test(id);
}

function isScore(value: unknown): value is number {
  return Number.isSafeInteger(value) && Math.abs(value as number) <= SCORE_MAGNITUDE_MAX;
}
