/**
 * Fraud rules as data, in the spirit of Stripe Radar (DESIGN.md section 6). The JSON format
 * (parsed by parse-rules.ts):
 *
 * ```json
 * {
 *   "rules": [
 *     {"id": "card_testing_ip", "when": {"attribute": "cards_per_ip_hourly", "op": ">", "value": 10}, "action": "block"},
 *     {"id": "country_mismatch", "when": {"attribute": "card_country", "op": "!=", "attribute_ref": "ip_country"}, "action": "review"},
 *     {"id": "big_new_customer", "when": {"all": [{"attribute": "amount", "op": ">=", "value": 50000},
 *                                                 {"attribute": "payments_per_customer_daily", "op": "<=", "value": 1}]},
 *      "score": 40, "mode": "shadow"}
 *   ],
 *   "score_thresholds": {"review": 50, "block": 90}
 * }
 * ```
 *
 * A rule has exactly one of `action` (allow, block, review) or `score` (an integer, negative
 * to lower the risk), and a `mode`: `enforce` (the default) or `shadow` (evaluated and
 * recorded in `shadow_rules_fired`, never part of the decision or the score).
 */
import type { FraudDecision } from "../payment.ts";
import { ATTRIBUTE_NAMES, type AttributeValue, type FraudAttributes } from "./attribute-names.ts";
import { evaluateCondition, type Condition } from "./condition.ts";

export const FRAUD_ACTIONS: readonly FraudDecision[] = ["allow", "block", "review"];
export const RULE_MODES = ["enforce", "shadow"] as const;
export type RuleMode = (typeof RULE_MODES)[number];

interface RuleBase {
  id: string;
  when: Condition;
  mode: RuleMode;
}

export interface ActionRule extends RuleBase {
  action: FraudDecision;
}

export interface ScoreRule extends RuleBase {
  score: number;
}

export type FraudRule = ActionRule | ScoreRule;

/** A score at or above `block` blocks; at or above `review` reviews. */
export interface ScoreThresholds {
  review: number;
  block: number;
}

export interface FraudRuleSet {
  /** In order; the order only shows in `rules_fired`, the decision does not depend on it. */
  rules: FraudRule[];
  /** Required when any rule has a score; null when none has. */
  score_thresholds: ScoreThresholds | null;
  /**
   * While the velocity store cannot answer, decide without velocity (marked degraded)
   * instead of waiting for it; FRAUD_FAIL_OPEN, when set, wins. Absent: false.
   */
  fail_open?: boolean;
}

export interface FraudOutcome {
  decision: FraudDecision;
  /** Sum of the scores of the enforced score rules that matched. */
  score: number;
  /** Ids of every enforced rule that matched, in rule order. */
  rules_fired: string[];
  /** Ids of every shadow rule that matched, in rule order. */
  shadow_rules_fired: string[];
  /** Every attribute, null where missing: what the rules saw, for the audit trail. */
  attributes: Record<string, string | number | boolean | null>;
}

/**
 * Decides, without side effects:
 * 1. any matching `allow` rule allows (an explicit allow list beats everything else);
 * 2. else a matching `block` rule, or a score at or above the block threshold, blocks;
 * 3. else a matching `review` rule, or a score at or above the review threshold, reviews;
 * 4. else allow.
 * A score that reaches the block threshold blocks even when a review rule also matched:
 * adding a review rule must never weaken what the scores already decide.
 */
export function evaluateFraud(rules: FraudRuleSet, attributes: FraudAttributes): FraudOutcome {
  const rules_fired: string[] = [];
  const shadow_rules_fired: string[] = [];
  const actions = new Set<FraudDecision>();
  let score = 0;
  for (const rule of rules.rules) {
    if (!evaluateCondition(rule.when, attributes)) continue;
    if (rule.mode === "shadow") {
      shadow_rules_fired.push(rule.id);
      continue;
    }
    rules_fired.push(rule.id);
    if ("score" in rule) score += rule.score;
    else actions.add(rule.action);
  }
  const thresholds = rules.score_thresholds;
  const decision: FraudDecision = actions.has("allow")
    ? "allow"
    : actions.has("block") || (thresholds !== null && score >= thresholds.block)
      ? "block"
      : actions.has("review") || (thresholds !== null && score >= thresholds.review)
        ? "review"
        : "allow";
  return { decision, score, rules_fired, shadow_rules_fired, attributes: auditAttributes(attributes) };
}

function auditAttributes(attributes: FraudAttributes): Record<string, AttributeValue> {
  const seen: Record<string, AttributeValue> = {};
  for (const name of ATTRIBUTE_NAMES) seen[name] = attributes[name] ?? null;
  // The windowed velocity attributes the rules named (payments_per_card_10m).
  for (const [name, value] of Object.entries(attributes)) if (!(name in seen)) seen[name] = value ?? null;
  return seen;
}
