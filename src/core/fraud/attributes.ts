/**
 * Attributes of one payment, read from its event and from velocity counters.
 *
 * Velocity counting (DESIGN.md section 6): every payment that reaches fraud evaluation is
 * observed on every counter whose inputs it carries, whatever today's rules read, because
 * rules change and a counter that skipped payments would under-count after the change.
 * Blocked payments count too. Members are payment ids (card fingerprints for
 * `cards_per_ip`), so evaluating the same payment again never counts twice. Windows the
 * rules name themselves (velocity-windows.ts) are counted on counters of their own.
 */
import type { PaymentEvent } from "../event.ts";
import type { AttributeName, AttributeValue, VelocityAttributeName, VelocityBaseName } from "./attribute-names.ts";
import type { VelocityObservation } from "./velocity.ts";
import { NAMED_VELOCITY_ATTRIBUTES, type VelocityWindow } from "./velocity-windows.ts";

export interface AttributeObservation {
  /** A named velocity attribute, or a windowed one (`payments_per_card_10m`). */
  attribute: string;
  observation: VelocityObservation;
}

interface CounterInput {
  key: string;
  member: string;
  weight: number;
}

/**
 * What each base counts, and by which key; null when the event lacks an input (no card
 * fingerprint: no card counters). `amount_per_customer` is kept per currency
 * (`<currency>:<customer_id>`): amounts of different currencies are never added together.
 */
function counterInputs(event: PaymentEvent): Record<VelocityBaseName, CounterInput | null> {
  const data = event.data;
  const card = presentString(data.card?.fingerprint);
  const ip = presentString(data.ip);
  const customer = presentString(data.customer_id);
  const currency = presentString(data.currency);
  const amount = typeof data.amount === "number" && data.amount > 0 ? data.amount : null;
  const payment = event.payment_id;
  return {
    payments_per_card: card === null ? null : { key: card, member: payment, weight: 1 },
    payments_per_ip: ip === null ? null : { key: ip, member: payment, weight: 1 },
    cards_per_ip: ip === null || card === null ? null : { key: ip, member: card, weight: 1 },
    payments_per_customer: customer === null ? null : { key: customer, member: payment, weight: 1 },
    amount_per_customer: customer === null || currency === null || amount === null ? null : { key: `${currency}:${customer}`, member: payment, weight: amount },
  };
}

/**
 * The velocity observations of this payment, one per counter whose inputs are present:
 * every named attribute, then each window the rules name. Counter names are
 * `<attribute>:<key>`, e.g. `cards_per_ip_hourly:203.0.113.7`, `payments_per_card_10m:fp_1`.
 */
export function velocityObservations(event: PaymentEvent, windows: readonly VelocityWindow[] = []): AttributeObservation[] {
  const inputs = counterInputs(event);
  const counted: VelocityWindow[] = [
    ...Object.entries(NAMED_VELOCITY_ATTRIBUTES).map(([attribute, named]) => ({ attribute, ...named })),
    ...windows,
  ];
  const observations: AttributeObservation[] = [];
  for (const { attribute, base, window_ms } of counted) {
    const input = inputs[base];
    if (input === null) continue;
    observations.push({ attribute, observation: { counter: `${attribute}:${input.key}`, member: input.member, weight: input.weight, window_ms } });
  }
  return observations;
}

/** Pairs the totals a VelocityStore returned with the attributes they were observed for. */
export function velocityTotalsByAttribute(
  observations: readonly AttributeObservation[],
  totals: readonly number[],
): Record<string, number> {
  const by_attribute: Record<string, number> = {};
  observations.forEach(({ attribute }, index) => {
    const total = totals[index];
    if (total !== undefined) by_attribute[attribute] = total;
  });
  return by_attribute;
}

/**
 * Every attribute of the payment, null where the event or the counters do not have it
 * (a comparison with a missing attribute is false), the rules' windowed attributes included.
 */
export function fraudAttributes(
  event: PaymentEvent,
  velocity_totals: Readonly<Record<string, number>>,
  windows: readonly VelocityWindow[] = [],
): Record<AttributeName, AttributeValue> & Record<string, AttributeValue> {
  const data = event.data;
  const velocity = (attribute: VelocityAttributeName): number | null => velocity_totals[attribute] ?? null;
  const attributes: Record<AttributeName, AttributeValue> & Record<string, AttributeValue> = {
    amount: typeof data.amount === "number" ? data.amount : null,
    currency: presentString(data.currency),
    card_country: presentString(data.card?.country),
    ip_country: presentString(data.ip_country),
    card_fingerprint: presentString(data.card?.fingerprint),
    customer_id: presentString(data.customer_id),
    merchant_id: presentString(data.merchant_id),
    ip: presentString(data.ip),
    payments_per_card_hourly: velocity("payments_per_card_hourly"),
    payments_per_ip_hourly: velocity("payments_per_ip_hourly"),
    cards_per_ip_hourly: velocity("cards_per_ip_hourly"),
    payments_per_customer_daily: velocity("payments_per_customer_daily"),
    amount_per_customer_daily: velocity("amount_per_customer_daily"),
  };
  for (const { attribute } of windows) attributes[attribute] = velocity_totals[attribute] ?? null;
  return attributes;
}

function presentString(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}
