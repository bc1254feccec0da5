import { expect, test } from "bun:test";
import { fraudAttributes, velocityObservations, velocityTotalsByAttribute } from "../../src/core/fraud/attributes.ts";
import { paymentEvent } from "./fixtures.ts";

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

test("a payment with every input is observed on every counter", () => {
  expect(velocityObservations(paymentEvent({}, "pay_7"))).toEqual([
    { attribute: "payments_per_card_hourly", observation: { counter: "payments_per_card_hourly:fp_abc", member: "pay_7", weight: 1, window_ms: HOUR_MS } },
    { attribute: "payments_per_ip_hourly", observation: { counter: "payments_per_ip_hourly:203.0.113.7", member: "pay_7", weight: 1, window_ms: HOUR_MS } },
    { attribute: "cards_per_ip_hourly", observation: { counter: "cards_per_ip_hourly:203.0.113.7", member: "fp_abc", weight: 1, window_ms: HOUR_MS } },
    { attribute: "payments_per_customer_daily", observation: { counter: "payments_per_customer_daily:c_9", member: "pay_7", weight: 1, window_ms: DAY_MS } },
    { attribute: "amount_per_customer_daily", observation: { counter: "amount_per_customer_daily:USD:c_9", member: "pay_7", weight: 1999, window_ms: DAY_MS } },
  ]);
});

test("counters whose inputs are missing are not observed", () => {
  const attributesOf = (data: Parameters<typeof paymentEvent>[0]) => velocityObservations(paymentEvent(data)).map(({ attribute }) => attribute);
  expect(attributesOf({ card: undefined })).toEqual(["payments_per_ip_hourly", "payments_per_customer_daily", "amount_per_customer_daily"]);
  expect(attributesOf({ ip: undefined })).toEqual(["payments_per_card_hourly", "payments_per_customer_daily", "amount_per_customer_daily"]);
  expect(attributesOf({ customer_id: undefined })).toEqual(["payments_per_card_hourly", "payments_per_ip_hourly", "cards_per_ip_hourly"]);
  expect(attributesOf({ amount: undefined })).not.toContain("amount_per_customer_daily");
  expect(attributesOf({ card: { country: "US" } })).not.toContain("cards_per_ip_hourly");
});

test("attributes come from the event and the velocity totals, null where missing", () => {
  const event = paymentEvent({ card: { fingerprint: "fp_x" }, ip_country: "" });
  expect(fraudAttributes(event, { cards_per_ip_hourly: 3 })).toEqual({
    amount: 1999,
    currency: "USD",
    card_country: null,
    ip_country: null,
    card_fingerprint: "fp_x",
    customer_id: "c_9",
    merchant_id: "m_1",
    ip: "203.0.113.7",
    payments_per_card_hourly: null,
    payments_per_ip_hourly: null,
    cards_per_ip_hourly: 3,
    payments_per_customer_daily: null,
    amount_per_customer_daily: null,
  });
});

test("velocity totals pair with the attributes they were observed for", () => {
  const observations = velocityObservations(paymentEvent({ card: undefined }));
  expect(velocityTotalsByAttribute(observations, [4, 2, 5000])).toEqual({
    payments_per_ip_hourly: 4,
    payments_per_customer_daily: 2,
    amount_per_customer_daily: 5000,
  });
});
