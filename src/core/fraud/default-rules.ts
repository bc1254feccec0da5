/**
 * The built-in rules (DESIGN.md section 6), used when `FRAUD_RULES` is unset. They block only
 * clear card testing and send to review what deserves a look; everything else is allowed.
 * Kept as plain JSON data, exactly what an operator would put in `FRAUD_RULES`; a test
 * parses it through parseFraudRules.
 *
 * - block when more than 10 distinct cards were used from one IP within an hour;
 * - block when more than 20 payments were made on one card within an hour;
 * - review an amount of 1,000,000 minor units or more (in any currency);
 * - review when the card's country differs from the IP's country (both known: a missing
 *   country makes the comparison false).
 */
import type { FraudRuleSet } from "./rules.ts";

export const DEFAULT_FRAUD_RULES: FraudRuleSet = {
  rules: [
    {
      id: "card_testing_cards_per_ip",
      when: { attribute: "cards_per_ip_hourly", op: ">", value: 10 },
      action: "block",
      mode: "enforce",
    },
    {
      id: "card_testing_payments_per_card",
      when: { attribute: "payments_per_card_hourly", op: ">", value: 20 },
      action: "block",
      mode: "enforce",
    },
    {
      id: "large_amount",
      when: { attribute: "amount", op: ">=", value: 1_000_000 },
      action: "review",
      mode: "enforce",
    },
    {
      id: "card_country_not_ip_country",
      when: { attribute: "card_country", op: "!=", attribute_ref: "ip_country" },
      action: "review",
      mode: "enforce",
    },
  ],
  score_thresholds: null,
};
