/**
 * The attributes fraud rules can read, and the kind of value each one holds. A rule naming
 * any other attribute is rejected when the rules are parsed, so a typo never silently
 * turns a rule off.
 */
export const PAYMENT_ATTRIBUTE_NAMES = [
  "amount",
  "currency",
  "card_country",
  "ip_country",
  "card_fingerprint",
  "customer_id",
  "merchant_id",
  "ip",
] as const;

export const VELOCITY_ATTRIBUTE_NAMES = [
  "payments_per_card_hourly",
  "payments_per_ip_hourly",
  "cards_per_ip_hourly",
  "payments_per_customer_daily",
  "amount_per_customer_daily",
] as const;

/**
 * What a velocity attribute counts, without its window: a rule names one with its own window,
 * `{"attribute": "payments_per_card", "window": "10m", ...}` (velocity-windows.ts).
 */
export const VELOCITY_BASE_NAMES = [
  "payments_per_card",
  "payments_per_ip",
  "cards_per_ip",
  "payments_per_customer",
  "amount_per_customer",
] as const;

export type VelocityBaseName = (typeof VELOCITY_BASE_NAMES)[number];

export function isVelocityBaseName(name: unknown): name is VelocityBaseName {
  return typeof name === "string" && (VELOCITY_BASE_NAMES as readonly string[]).includes(name);
}

export type PaymentAttributeName = (typeof PAYMENT_ATTRIBUTE_NAMES)[number];
export type VelocityAttributeName = (typeof VELOCITY_ATTRIBUTE_NAMES)[number];
export type AttributeName = PaymentAttributeName | VelocityAttributeName;

export const ATTRIBUTE_NAMES: readonly AttributeName[] = [
  ...PAYMENT_ATTRIBUTE_NAMES,
  ...VELOCITY_ATTRIBUTE_NAMES,
];

export type AttributeKind = "number" | "string";

/** What a rule compares against: an attribute holds a number, a string, or nothing (null). */
export type AttributeValue = number | string | null;

/**
 * Attribute values of one payment; an absent or null entry is a missing attribute. Besides
 * the named attributes it holds the windowed velocity attributes the rules name, such as
 * `payments_per_card_10m`.
 */
export type FraudAttributes = Partial<Record<AttributeName, AttributeValue>> & { readonly [windowed: string]: AttributeValue | undefined };

export const ATTRIBUTE_KINDS: Readonly<Record<AttributeName, AttributeKind>> = {
  amount: "number",
  currency: "string",
  card_country: "string",
  ip_country: "string",
  card_fingerprint: "string",
  customer_id: "string",
  merchant_id: "string",
  ip: "string",
  payments_per_card_hourly: "number",
  payments_per_ip_hourly: "number",
  cards_per_ip_hourly: "number",
  payments_per_customer_daily: "number",
  amount_per_customer_daily: "number",
};

export function isAttributeName(name: unknown): name is AttributeName {
  return typeof name === "string" && Object.hasOwn(ATTRIBUTE_KINDS, name);
}
