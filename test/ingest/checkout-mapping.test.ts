/** The Checkout.com mapping table (README "Checkout.com") as data. */
import { describe, expect, test } from "bun:test";
import { mapCheckoutEvent } from "../../src/ingest/providers/checkout.ts";
import type { WebhookSource } from "../../src/ingest/webhook-sources.ts";
import { checkoutEvent } from "../support/provider-payloads.ts";

const SOURCE: WebhookSource = { name: "cko", provider: "checkout", secrets: ["x".repeat(16)], basic_auth: null, merchant_id: "m_cko" };
const payment = (extra: Record<string, unknown> = {}) => ({ id: "pay_1", amount: 6540, currency: "GBP", customer: { id: "cus_1" }, source: { fingerprint: "fp_1", issuer_country: "GB" }, ...extra });

const CASES: Array<{ type: string; data: Record<string, unknown>; expected: Array<{ id: (event_id: string) => string; type: string; data: Record<string, unknown> }> }> = [
  { type: "payment_approved", data: payment(), expected: [{ id: (id) => `checkout:${id}`, type: "payment.authorized", data: { amount: 6540, currency: "GBP", merchant_id: "m_cko", customer_id: "cus_1", card: { fingerprint: "fp_1", country: "GB" } } }] },
  { type: "payment_captured", data: payment({ action_id: "act_c" }), expected: [{ id: () => "checkout:act_c", type: "payment.captured", data: { amount: 6540, fee: 0 } }] },
  {
    type: "payment_declined",
    data: payment(),
    expected: [
      { id: () => "checkout:pay_1:created", type: "payment.created", data: { amount: 6540 } },
      { id: (id) => `checkout:${id}`, type: "payment.failed", data: {} },
    ],
  },
  { type: "payment_voided", data: payment(), expected: [{ id: (id) => `checkout:${id}`, type: "payment.canceled", data: {} }] },
  { type: "payment_refunded", data: payment({ action_id: "act_r", amount: 1000, metadata: { merchant_id: "m_meta" } }), expected: [{ id: () => "checkout:act_r", type: "payment.refunded", data: { amount: 1000, merchant_id: "m_meta" } }] },
];

const map = (event: object) => mapCheckoutEvent(new TextEncoder().encode(JSON.stringify(event)), "application/json", SOURCE);

describe("Checkout.com mapping table", () => {
  for (const { type, data, expected } of CASES) {
    test(`${type} is ${expected.map((entry) => entry.type).join(", then ")}`, () => {
      const event = checkoutEvent(type, data);
      const result = map(event);
      if (!result.ok) throw new Error(result.error.message);
      expect(result.value.events.map(({ event: mapped }) => ({ id: mapped.id, type: mapped.type, payment_id: mapped.payment_id, data: mapped.data }))).toMatchObject(
        expected.map((entry) => ({ id: entry.id(event.id), type: entry.type, payment_id: "pay_1", data: entry.data })),
      );
      expect(result.value.events[0]!.source).toMatchObject({ provider: "checkout", provider_event_id: event.id, provider_event_type: type, provider_payload: JSON.stringify(event) });
    });
  }

  test("an unmapped type is ignored, not refused", () => {
    const event = checkoutEvent("card_verified", payment());
    expect(map(event)).toEqual({ ok: true, value: { events: [], ignored: [{ provider_event_id: event.id, provider_event_type: "card_verified", reason: "unmapped_type", detail: expect.any(String) }] } });
  });

  test("a mapped type without its payment is refused", () => {
    expect(map(checkoutEvent("payment_approved", { amount: 1 }))).toMatchObject({ ok: false, error: { code: "missing_field" } });
  });
});
