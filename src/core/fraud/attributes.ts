/**
 * Attributes of one payment, read from its event and from velocity counters.
 *
 * Velocity counting (DESIGN.md section 6): every payment that reaches fraud evaluation is
 * observed on every counter whose inputs it carries, whatever today's rules read, because
 * rules change and a counter that skipped payments would under-count after the change.
 * Blocked payments count too. Members are payment ids (card fingerprints for
 * `cards_per_ip_hourly`), so evaluating the same payment again never counts twice.
 */
import type { PaymentEvent } from "../event.ts";
import type { AttributeName, AttributeValue, VelocityAttributeName } from "./attribute-names.ts";
import type { VelocityObservation } from "./velocity.ts";

export const VELOCITY_WINDOW_MS_HOURLY = 60 * 60 * 1000;
export const VELOCITY_WINDOW_MS_DAILY = 24 * VELOCITY_WINDOW_MS_HOURLY;

export interface AttributeObservation {
  attribute: VelocityAttributeName;
  observation: VelocityObservation;
}

/**
 * The velocity observations of this payment, one per counter whose inputs are present
 * (no card fingerprint: no card counters). Counter names are `<attribute>:<key>`, e.g.
 * `cards_per_ip_hourly:203.0.113.7`.
 *
 * `amount_per_customer_daily` is kept per currency (`<currency>:<customer_id>`): amounts of
 * different currencies are never added together.
 */
export function velocityObservations(event: PaymentEvent): AttributeObservation[] {
  const data = event.data;
  const card = presentString(data.card?.fingerprint);
  const ip = presentString(data.ip);
  const customer = presentString(data.customer_id);
  const currency = presentString(data.currency);
  const amount = typeof data.amount === "number" && data.amount > 0 ? data.amount : null;
  const payment = event.payment_id;

  const observations: AttributeObservation[] = [];
  const add = (
    attribute: VelocityAttributeName,
    key: string,
    member: string,
    weight: number,
    window_ms: number,
  ): void => {
    observations.push({ attribute, observation: { counter: `${attribute}:${key}`, member, weight, window_ms } });
  };
  if (card !== null) add("payments_per_card_hourly", card, payment, 1, VELOCITY_WINDOW_MS_HOURLY);
  if (ip !== null) add("payments_per_ip_hourly", ip, payment, 1, VELOCITY_WINDOW_MS_HOURLY);
  if (ip !== null && card !== null) add("cards_per_ip_hourly", ip, card, 1, VELOCITY_WINDOW_MS_HOURLY);
  if (customer !== null) add("payments_per_customer_daily", customer, payment, 1, VELOCITY_WINDOW_MS_DAILY);
  if (customer !== null && currency !== null && amount !== null) {
    add("amount_per_customer_daily", `${currency}:${customer}`, payment, amount, VELOCITY_WINDOW_MS_DAILY);
  }
  return observations;
}

/** Pairs the totals a VelocityStore returned with the attributes they were observed for. */
export function velocityTotalsByAttribute(
  observations: readonly AttributeObservation[],
  totals: readonly number[],
): Partial<Record<VelocityAttributeName, number>> {
  const by_attribute: Partial<Record<VelocityAttributeName, number>> = {};
  observations.forEach(({ attribute }, index) => {
    const total = totals[index];
    if (total !== undefined) by_attribute[attribute] = total;
  });
  return by_attribute;
}

/**
 * Every attribute of the payment, null where the event or the counters do not have it
 * (a comparison with a missing attribute is false).
 */
export function fraudAttributes(
  event: PaymentEvent,
  velocity_totals: Partial<Record<VelocityAttributeName, number>>,
): Record<AttributeName, AttributeValue> {
  const data = event.data;
  return {
    amount: typeof data.amount === "number" ? data.amount : null,
    currency: presentString(data.currency),
    card_country: presentString(data.card?.country),
    ip_country: presentString(data.ip_country),
    card_fingerprint: presentString(data.card?.fingerprint),
    customer_id: presentString(data.customer_id),
    merchant_id: presentString(data.merchant_id),
    ip: presentString(data.ip),
    payments_per_card_hourly: velocity_totals.payments_per_card_hourly ?? null,
    payments_per_ip_hourly: velocity_totals.payments_per_ip_hourly ?? null,
    cards_per_ip_hourly: velocity_totals.cards_per_ip_hourly ?? null,
    payments_per_customer_daily: velocity_totals.payments_per_customer_daily ?? null,
    amount_per_customer_daily: velocity_totals.amount_per_customer_daily ?? null,
  };
}

function presentString(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}
