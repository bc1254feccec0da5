/**
 * Validates untrusted input as a canonical PaymentEvent (DESIGN.md section 4) and returns the
 * first problem found. Problem codes, stable for callers and tests:
 *
 * - `invalid_event`       the input is not a JSON object
 * - `missing_field`       a required field is absent (`id`, `data.amount` on a captured event, ...)
 * - `invalid_field`       a field is present with the wrong type or shape (`null` included)
 * - `unknown_event_type`  `type` is not one of EVENT_TYPES
 * - `invalid_amount`      `data.amount` is not a safe integer > 0
 * - `invalid_currency`    `data.currency` is not an upper-case active ISO 4217 code
 * - `invalid_fee`         `data.fee` is not a safe integer in 0..amount
 * - `unexpected_field`    a field that this event type must not carry (`data.fee` off capture)
 *
 * Messages name the field path, say what was expected and show what was received.
 */
import { isCurrencyCode } from "./currency.ts";
import { AMOUNT_REQUIRED_TYPES, EVENT_TYPES } from "./event.ts";
import type { CardData, EventData, EventType, PaymentEvent } from "./event.ts";
import { fail, ok } from "./result.ts";
import type { Result } from "./result.ts";

/** The problem codes listed above. */
export type EventProblemCode =
  | "invalid_event"
  | "missing_field"
  | "invalid_field"
  | "unknown_event_type"
  | "invalid_amount"
  | "invalid_currency"
  | "invalid_fee"
  | "unexpected_field";

type Parsed<T> = Result<T, EventProblemCode>;

const TEXT_CHARS_MAX = 200;
// Printable ASCII with at least one letter or digit: ids like "." and ".." are rewritten by
// URL normalization, so their dead letters could never be replayed or discarded by route.
const ID_PATTERN = /^(?=.*[A-Za-z0-9])[\x21-\x7e]+$/;
// At least one letter or digit: ids like ".." would be rewritten by URL normalization and
// could never be inspected through GET /payments/:id.
const PAYMENT_ID_PATTERN = /^(?=.*[A-Za-z0-9])[A-Za-z0-9_\-.:]+$/;
const COUNTRY_PATTERN = /^[A-Z]{2}$/;
const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
const MERCHANT_REQUIRED_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  "payment.created",
  "payment.authorized",
]);

type Fields = Record<string, unknown>;

export function parseEvent(input: unknown): Parsed<PaymentEvent> {
  if (!isObject(input)) return fail("invalid_event", `event must be a JSON object, got ${describe(input)}`);

  const id = requiredText(input, "id", "", ID_PATTERN, "printable ASCII without spaces");
  if (!id.ok) return id;
  const type = eventType(input);
  if (!type.ok) return type;
  const payment_id = requiredText(input, "payment_id", "", PAYMENT_ID_PATTERN, "letters, digits and _-.:");
  if (!payment_id.ok) return payment_id;

  const sequence = input.sequence;
  if (sequence !== undefined && !(Number.isSafeInteger(sequence) && (sequence as number) >= 1)) {
    return fail("invalid_field", `sequence must be a safe integer >= 1, got ${describe(sequence)}`);
  }

  if (input.occurred_at === undefined) return missing("occurred_at");
  if (typeof input.occurred_at !== "string" || !isRfc3339(input.occurred_at)) {
    return fail(
      "invalid_field",
      `occurred_at must be an RFC 3339 timestamp with a time zone, like 2026-11-21T10:00:00Z, got ${describe(input.occurred_at)}`,
    );
  }

  if (input.data === undefined) return missing("data");
  if (!isObject(input.data)) return fail("invalid_field", `data must be a JSON object, got ${describe(input.data)}`);
  const data = parseData(input.data, type.value);
  if (!data.ok) return data;

  const event: PaymentEvent = {
    id: id.value,
    type: type.value,
    payment_id: payment_id.value,
    occurred_at: input.occurred_at,
    data: data.value,
  };
  if (sequence !== undefined) event.sequence = sequence as number;
  return ok(event);
}

function parseData(data: Fields, type: EventType): Parsed<EventData> {
  const amount_required = AMOUNT_REQUIRED_TYPES.has(type);
  const amount = data.amount;
  if (amount === undefined) {
    if (amount_required) return missing("data.amount", type);
  } else if (!isPositiveSafeInteger(amount)) {
    return fail(
      "invalid_amount",
      `data.amount must be a positive integer number of minor units, got ${describe(amount)}${amountFault(amount)}`,
    );
  }

  const currency = data.currency;
  if (currency === undefined) {
    if (amount_required) return missing("data.currency", type);
  } else if (typeof currency !== "string" || !isCurrencyCode(currency)) {
    return fail(
      "invalid_currency",
      `data.currency must be an upper-case active ISO 4217 code like "USD", got ${describe(currency)}`,
    );
  }

  if (data.fee !== undefined) {
    const fee = checkFee(data.fee, type, amount as number | undefined);
    if (!fee.ok) return fee;
  }

  if (data.merchant_id === undefined && MERCHANT_REQUIRED_TYPES.has(type)) return missing("data.merchant_id", type);
  for (const field of ["merchant_id", "customer_id", "ip", "ip_country"] as const) {
    const checked = optionalText(data, field, "data.");
    if (!checked.ok) return checked;
  }
  if (data.ip !== undefined && !isIpAddress(data.ip as string)) {
    return fail("invalid_field", `data.ip must be an IPv4 or IPv6 address, got ${describe(data.ip)}`);
  }
  const ip_country = country(data.ip_country, "data.ip_country");
  if (!ip_country.ok) return ip_country;

  const parsed: EventData = { ...data };
  if (data.card !== undefined) {
    const card = parseCard(data.card);
    if (!card.ok) return card;
    parsed.card = card.value;
  }
  return ok(parsed);
}

function checkFee(fee: unknown, type: EventType, amount: number | undefined): Parsed<void> {
  if (type !== "payment.captured") {
    return fail("unexpected_field", `data.fee is allowed only on payment.captured, not on ${type}`);
  }
  if (!Number.isSafeInteger(fee) || (fee as number) < 0) {
    return fail("invalid_fee", `data.fee must be a non-negative integer number of minor units, got ${describe(fee)}`);
  }
  if (amount !== undefined && (fee as number) > amount) {
    return fail("invalid_fee", `data.fee must not exceed data.amount (${amount}), got ${fee}`);
  }
  return ok(undefined);
}

function parseCard(card: unknown): Parsed<CardData> {
  if (!isObject(card)) return fail("invalid_field", `data.card must be a JSON object, got ${describe(card)}`);
  const fingerprint = optionalText(card, "fingerprint", "data.card.");
  if (!fingerprint.ok) return fingerprint;
  const card_country = country(card.country, "data.card.country");
  if (!card_country.ok) return card_country;
  return ok({ ...card });
}

function eventType(input: Fields): Parsed<EventType> {
  const type = input.type;
  if (type === undefined) return missing("type");
  if (typeof type !== "string" || !EVENT_TYPE_SET.has(type)) {
    return fail("unknown_event_type", `type must be one of ${EVENT_TYPES.join(", ")}, got ${describe(type)}`);
  }
  return ok(type as EventType);
}

function requiredText(input: Fields, field: string, prefix: string, pattern: RegExp, shape: string): Parsed<string> {
  if (input[field] === undefined) return missing(prefix + field);
  const text = optionalText(input, field, prefix);
  if (!text.ok) return text;
  const value = input[field] as string;
  if (!pattern.test(value)) return fail("invalid_field", `${prefix}${field} must be ${shape}, got ${describe(value)}`);
  return ok(value);
}

function optionalText(input: Fields, field: string, prefix: string): Parsed<void> {
  const value = input[field];
  if (value === undefined) return ok(undefined);
  if (typeof value !== "string" || value.length < 1 || value.length > TEXT_CHARS_MAX) {
    return fail(
      "invalid_field",
      `${prefix}${field} must be a string of 1 to ${TEXT_CHARS_MAX} characters, got ${describe(value)}`,
    );
  }
  return ok(undefined);
}

function country(value: unknown, path: string): Parsed<void> {
  if (value === undefined || (typeof value === "string" && COUNTRY_PATTERN.test(value))) return ok(undefined);
  return fail("invalid_field", `${path} must be two upper-case letters (ISO 3166-1 alpha-2), got ${describe(value)}`);
}

function missing<T>(path: string, type?: EventType): Parsed<T> {
  return fail("missing_field", type ? `${path} is required on ${type}` : `${path} is required`);
}

function isPositiveSafeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function amountFault(value: unknown): string {
  if (typeof value !== "number" || Number.isNaN(value)) return "";
  if (value > Number.MAX_SAFE_INTEGER) return ` (too large: above ${Number.MAX_SAFE_INTEGER})`;
  if (value < 0) return " (negative)";
  if (value === 0) return " (zero)";
  if (!Number.isInteger(value)) return " (fractional)";
  return "";
}

const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * Date.parse accepts "2026-11-21", "Nov 21 2026" and rolls "02-30" into March, so the shape
 * and every field range are checked here first. A leap second (:60) is refused: neither
 * Date nor most consumers downstream can represent it.
 */
export function isRfc3339(text: string): boolean {
  const match = RFC_3339.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const offset_hour = match[7] === undefined ? 0 : Number(match[7]);
  const offset_minute = match[8] === undefined ? 0 : Number(match[8]);
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!)) return false;
  if (hour! > 23 || minute! > 59 || second! > 59 || offset_hour > 23 || offset_minute > 59) return false;
  return !Number.isNaN(Date.parse(text));
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** Syntax only: dotted-quad IPv4, or IPv6 with optional "::" and embedded IPv4 tail, no zone. */
function isIpAddress(text: string): boolean {
  if (IPV4.test(text)) return true;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === "" ? [] : half.split(":")));
  const last = groups[groups.length - 1];
  let groups_count = groups.length;
  if (last !== undefined && last.includes(".")) {
    if (!IPV4.test(last) || !text.endsWith(last)) return false;
    groups.pop();
    groups_count += 1;
  }
  if (!groups.every((group) => IPV6_GROUP.test(group))) return false;
  return halves.length === 2 ? groups_count <= 7 : groups_count === 8;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  if (typeof value === "number") return String(value);
  return `${typeof value} ${String(value)}`;
}
