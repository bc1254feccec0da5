/**
 * Velocity windows a rule names itself: `{"attribute": "payments_per_card", "window": "10m",
 * "op": ">", "value": 5}` counts payments on the card within the last ten minutes, exactly
 * (the store keeps a sliding window of that length). A window is a whole number of seconds,
 * minutes, hours or days (`90s`, `10m`, `6h`, `7d`), from one second to 30 days.
 *
 * A base with a window is read as the attribute `<base>_<window>` (`payments_per_card_10m`),
 * counted on its own counter; a window equal to a named attribute's (`payments_per_card` over
 * `1h` is `payments_per_card_hourly`) reads that attribute instead of counting twice.
 */
import type { VelocityAttributeName, VelocityBaseName } from "./attribute-names.ts";
import type { Condition } from "./condition.ts";
import type { FraudRuleSet } from "./rules.ts";

export const WINDOW_MS_MIN = 1_000;
export const WINDOW_MS_MAX = 30 * 24 * 60 * 60 * 1000;

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;

/** The named velocity attributes: a base over a fixed window. */
export const NAMED_VELOCITY_ATTRIBUTES: Readonly<Record<VelocityAttributeName, { base: VelocityBaseName; window_ms: number }>> = {
  payments_per_card_hourly: { base: "payments_per_card", window_ms: UNIT_MS.h },
  payments_per_ip_hourly: { base: "payments_per_ip", window_ms: UNIT_MS.h },
  cards_per_ip_hourly: { base: "cards_per_ip", window_ms: UNIT_MS.h },
  payments_per_customer_daily: { base: "payments_per_customer", window_ms: UNIT_MS.d },
  amount_per_customer_daily: { base: "amount_per_customer", window_ms: UNIT_MS.d },
};

export interface VelocityWindow {
  /** What rules read: `payments_per_card_10m`. */
  attribute: string;
  base: VelocityBaseName;
  window_ms: number;
}

/** Milliseconds of a window such as `10m`, or null when it is not one. */
export function parseWindow(text: unknown): number | null {
  if (typeof text !== "string") return null;
  const match = /^([1-9]\d{0,6})([smhd])$/.exec(text);
  if (match === null) return null;
  const window_ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return window_ms >= WINDOW_MS_MIN && window_ms <= WINDOW_MS_MAX ? window_ms : null;
}

/** The canonical spelling: the largest unit that divides the window (`600s` is `10m`). */
export function windowText(window_ms: number): string {
  for (const [unit, unit_ms] of Object.entries(UNIT_MS)) {
    if (window_ms % unit_ms === 0) return `${window_ms / unit_ms}${unit}`;
  }
  return `${window_ms / 1000}s`;
}

/** The attribute a base over a window reads. */
export function windowedAttributeName(base: VelocityBaseName, window: string): string {
  const window_ms = parseWindow(window)!;
  for (const [name, named] of Object.entries(NAMED_VELOCITY_ATTRIBUTES)) {
    if (named.base === base && named.window_ms === window_ms) return name;
  }
  return `${base}_${windowText(window_ms)}`;
}

const windows_of = new WeakMap<FraudRuleSet, VelocityWindow[]>();

/** The windows the rules name beyond the named attributes, each once (shadow rules included). */
export function ruleWindows(rules: FraudRuleSet): VelocityWindow[] {
  let windows = windows_of.get(rules);
  if (windows !== undefined) return windows;
  const found = new Map<string, VelocityWindow>();
  const visit = (condition: Condition): void => {
    if ("all" in condition) return condition.all.forEach(visit);
    if ("any" in condition) return condition.any.forEach(visit);
    if ("not" in condition) return visit(condition.not);
    if (condition.window === undefined) return;
    const base = condition.attribute as VelocityBaseName;
    const attribute = windowedAttributeName(base, condition.window);
    if (attribute in NAMED_VELOCITY_ATTRIBUTES || found.has(attribute)) return;
    found.set(attribute, { attribute, base, window_ms: parseWindow(condition.window)! });
  };
  for (const rule of rules.rules) visit(rule.when);
  windows = [...found.values()];
  windows_of.set(rules, windows);
  return windows;
}
