/** The Stripe mapping table (README "Stripe") as data: one case per mapped type, from Stripe's documented event shapes. */
import { describe, expect, test } from "bun:test";
import { mapStripeEvent } from "../../src/ingest/providers/stripe.ts";
import type { WebhookSource } from "../../src/ingest/webhook-sources.ts";
import { paymentIntent, stripeDispute, stripeEvent, stripeRefund } from "../support/provider-payloads.ts";

const SOURCE: WebhookSource = { name: "stripe", provider: "stripe", secrets: ["whsec_test_secret"], basic_auth: null, merchant_id: "m_source" };
const AT = "2025-12-01T12:00:00Z";
const pi = (options: Partial<Parameters<typeof paymentIntent>[0]> = {}) => paymentIntent({ id: "pi_1", amount: 2000, merchant_id: "m_1", ...options });

type Expected = { id: string; type: string; data: Record<string, unknown> };
const CASES: Array<{ name: string; event: Record<string, any>; events?: Expected[]; ignored?: string }> = [
  {
    name: "payment_intent.created is created",
    event: stripeEvent("payment_intent.created", pi()),
    events: [{ id: "stripe:pi_1:created", type: "payment.created", data: { amount: 2000, currency: "USD", merchant_id: "m_1", customer_id: "cus_9" } }],
  },
  {
    name: "payment_intent.amount_capturable_updated (manual capture) is created, then authorized",
    event: stripeEvent("payment_intent.amount_capturable_updated", pi({ amount_capturable: 2000, capture_method: "manual", status: "requires_capture" })),
    events: [
      { id: "stripe:pi_1:created", type: "payment.created", data: { amount: 2000 } },
      { id: "stripe:pi_1:authorized", type: "payment.authorized", data: { amount: 2000, currency: "USD", merchant_id: "m_1" } },
    ],
  },
  {
    name: "payment_intent.succeeded implies the creation and the authorization, then captures amount_received with fee 0",
    event: stripeEvent("payment_intent.succeeded", pi({ amount_received: 1500, status: "succeeded" })),
    events: [
      { id: "stripe:pi_1:created", type: "payment.created", data: { amount: 2000 } },
      { id: "stripe:pi_1:authorized", type: "payment.authorized", data: { amount: 2000 } },
      { id: "stripe:pi_1:captured", type: "payment.captured", data: { amount: 1500, fee: 0, currency: "USD" } },
    ],
  },
  {
    name: "an expanded latest_charge gives the fee (its balance transaction) and the card",
    event: stripeEvent(
      "payment_intent.succeeded",
      pi({
        amount_received: 2000,
        latest_charge: { id: "ch_1", balance_transaction: { id: "txn_1", fee: 88, currency: "usd" }, payment_method_details: { card: { fingerprint: "fp_1", country: "us" } } },
      }),
    ),
    events: [
      { id: "stripe:pi_1:created", type: "payment.created", data: { card: { fingerprint: "fp_1", country: "US" } } },
      { id: "stripe:pi_1:authorized", type: "payment.authorized", data: {} },
      { id: "stripe:pi_1:captured", type: "payment.captured", data: { amount: 2000, fee: 88 } },
    ],
  },
  {
    name: "payment_intent.payment_failed is created, then failed",
    event: stripeEvent("payment_intent.payment_failed", { ...pi(), last_payment_error: { code: "card_declined" } }),
    events: [
      { id: "stripe:pi_1:created", type: "payment.created", data: {} },
      { id: "stripe:pi_1:failed", type: "payment.failed", data: { reason: "card_declined" } },
    ],
  },
  {
    name: "payment_intent.canceled is created, then canceled",
    event: stripeEvent("payment_intent.canceled", { ...pi(), cancellation_reason: "requested_by_customer" }),
    events: [
      { id: "stripe:pi_1:created", type: "payment.created", data: {} },
      { id: "stripe:pi_1:canceled", type: "payment.canceled", data: { reason: "requested_by_customer" } },
    ],
  },
  {
    name: "refund.created (succeeded) is one refund of its own amount, keyed by the refund id",
    event: stripeEvent("refund.created", stripeRefund({ id: "re_1", payment_intent: "pi_1", amount: 300 })),
    events: [{ id: "stripe:re_1:refunded", type: "payment.refunded", data: { amount: 300, currency: "USD" } }],
  },
  {
    name: "refund.updated to succeeded is the same refund (same id)",
    event: stripeEvent("refund.updated", stripeRefund({ id: "re_1", payment_intent: "pi_1", amount: 300 })),
    events: [{ id: "stripe:re_1:refunded", type: "payment.refunded", data: { amount: 300 } }],
  },
  {
    name: "charge.refunded is one refund per listed refund, each with its own amount, never amount_refunded",
    event: stripeEvent("charge.refunded", {
      id: "ch_1",
      object: "charge",
      payment_intent: "pi_1",
      amount: 2000,
      amount_refunded: 800,
      currency: "usd",
      refunds: { object: "list", data: [stripeRefund({ id: "re_2", payment_intent: "pi_1", amount: 500 }), stripeRefund({ id: "re_1", payment_intent: "pi_1", amount: 300 })] },
    }),
    events: [
      { id: "stripe:re_2:refunded", type: "payment.refunded", data: { amount: 500 } },
      { id: "stripe:re_1:refunded", type: "payment.refunded", data: { amount: 300 } },
    ],
  },
  {
    name: "charge.dispute.created opens a dispute for the dispute's amount",
    event: stripeEvent("charge.dispute.created", stripeDispute({ id: "dp_1", payment_intent: "pi_1", amount: 2000, status: "needs_response" })),
    events: [{ id: "stripe:dp_1:opened", type: "payment.dispute.opened", data: { amount: 2000, currency: "USD", reason: "fraudulent" } }],
  },
  {
    name: "charge.dispute.closed with status won is won",
    event: stripeEvent("charge.dispute.closed", stripeDispute({ id: "dp_1", payment_intent: "pi_1", amount: 2000, status: "won" })),
    events: [{ id: "stripe:dp_1:won", type: "payment.dispute.won", data: { amount: 2000 } }],
  },
  {
    name: "charge.dispute.closed with status lost is lost",
    event: stripeEvent("charge.dispute.closed", stripeDispute({ id: "dp_1", payment_intent: "pi_1", amount: 2000, status: "lost" })),
    events: [{ id: "stripe:dp_1:lost", type: "payment.dispute.lost", data: { amount: 2000 } }],
  },
  { name: "an unmapped type is ignored", event: stripeEvent("customer.created", { id: "cus_1", object: "customer" }), ignored: "unmapped_type" },
  { name: "a refund still pending is ignored until it succeeds", event: stripeEvent("refund.created", stripeRefund({ id: "re_3", payment_intent: "pi_1", amount: 1, status: "pending" })), ignored: "refund_not_succeeded" },
  { name: "a dispute closed as warning_closed is ignored", event: stripeEvent("charge.dispute.closed", stripeDispute({ id: "dp_2", payment_intent: "pi_1", amount: 1, status: "warning_closed" })), ignored: "dispute_not_decided" },
  { name: "a charge without a PaymentIntent is ignored", event: stripeEvent("charge.dispute.created", stripeDispute({ id: "dp_3", payment_intent: null as never, amount: 1, status: "needs_response" })), ignored: "no_payment_intent" },
  { name: "amount_capturable_updated to 0 is ignored", event: stripeEvent("payment_intent.amount_capturable_updated", pi({ amount_capturable: 0 })), ignored: "nothing_capturable" },
];

const map = (event: object, source = SOURCE) => mapStripeEvent(new TextEncoder().encode(JSON.stringify(event)), "application/json; charset=utf-8", source);

describe("Stripe mapping table", () => {
  for (const { name, event, events, ignored } of CASES) {
    test(name, () => {
      const result = map(event);
      if (!result.ok) throw new Error(result.error.message);
      if (ignored !== undefined) {
        expect(result.value.events).toEqual([]);
        expect(result.value.ignored).toEqual([{ provider_event_id: event.id, provider_event_type: event.type, reason: ignored, detail: expect.any(String) }]);
        return;
      }
      expect(result.value.ignored).toEqual([]);
      expect(result.value.events.map(({ event: mapped }) => ({ id: mapped.id, type: mapped.type, data: mapped.data }))).toMatchObject(events!);
      for (const { event: mapped, source } of result.value.events) {
        expect(mapped.payment_id).toBe("pi_1");
        expect(mapped.occurred_at).toBe(AT);
        expect(source).toEqual({
          kind: "webhook",
          source: "stripe",
          webhook_id: event.id,
          provider: "stripe",
          provider_event_id: event.id,
          provider_event_type: event.type,
          provider_payload: JSON.stringify(event),
        });
      }
    });
  }
});

describe("Stripe amounts and merchants", () => {
  const created = (options: Partial<Parameters<typeof paymentIntent>[0]>, extra = {}) => {
    const result = map(stripeEvent("payment_intent.created", pi(options), extra));
    if (!result.ok) throw new Error(result.error.message);
    return result.value.events[0]!.event.data;
  };

  test("currencies are upper-cased; zero- and three-decimal currencies are already ISO minor units", () => {
    expect(created({ currency: "jpy", amount: 500 })).toMatchObject({ currency: "JPY", amount: 500 });
    expect(created({ currency: "kwd", amount: 5120 })).toMatchObject({ currency: "KWD", amount: 5120 });
    expect(created({ currency: "eur", amount: 1999 })).toMatchObject({ currency: "EUR", amount: 1999 });
  });

  test("Stripe's exceptions to ISO 4217 are converted: MGA is zero-decimal at Stripe, ISK two-decimal", () => {
    expect(created({ currency: "mga", amount: 500 })).toMatchObject({ currency: "MGA", amount: 50_000 });
    expect(created({ currency: "isk", amount: 50_000 })).toMatchObject({ currency: "ISK", amount: 500 });
    const fractional = map(stripeEvent("payment_intent.created", pi({ currency: "isk", amount: 50_050 })));
    expect(fractional).toMatchObject({ ok: false, error: { code: "invalid_amount" } });
  });

  test("the merchant is the Connect account, else metadata.merchant_id, else the source's merchant_id", () => {
    expect(created({}, { account: "acct_1" }).merchant_id).toBe("acct_1");
    expect(created({}).merchant_id).toBe("m_1");
    expect(created({ merchant_id: undefined }).merchant_id).toBe("m_source");
    const none = map(stripeEvent("payment_intent.created", pi({ merchant_id: undefined })), { ...SOURCE, merchant_id: null });
    expect(none).toMatchObject({ ok: false, error: { code: "missing_field" } });
    expect(!none.ok && none.error.message).toContain("data.merchant_id");
  });

  test("what is not a Stripe event is refused with a message, not mapped", () => {
    expect(map({ id: "evt_1", type: "x" })).toMatchObject({ ok: false, error: { code: "invalid_event" } });
    expect(map({ ...stripeEvent("payment_intent.created", pi()), id: "nope" })).toMatchObject({ ok: false, error: { code: "invalid_field" } });
    expect(map(stripeEvent("payment_intent.created", pi({ currency: "zzz" })))).toMatchObject({ ok: false, error: { code: "invalid_currency" } });
    expect(mapStripeEvent(new TextEncoder().encode("{}"), "text/plain", SOURCE)).toMatchObject({ ok: false, error: { code: "unsupported_content_type" } });
  });
});

describe("Stripe attributes the merchant controls", () => {
  test("a malformed metadata.ip or ip_country is dropped and noted, not refused", () => {
    const intent = { ...pi(), metadata: { merchant_id: "m_1", ip: "not-an-ip", ip_country: "usa" } };
    const result = map(stripeEvent("payment_intent.created", intent));
    if (!result.ok) throw new Error(result.error.message);
    const data = result.value.events[0]!.event.data;
    expect(data.ip).toBeUndefined();
    expect(data.ip_country).toBeUndefined();
    expect(data.attributes_dropped).toEqual(["ip", "ip_country"]);
    expect(data).toMatchObject({ amount: 2000, merchant_id: "m_1" });
  });

  test("valid ones are kept", () => {
    const intent = { ...pi(), metadata: { merchant_id: "m_1", ip: "203.0.113.7", ip_country: "US" } };
    const result = map(stripeEvent("payment_intent.created", intent));
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.events[0]!.event.data).toMatchObject({ ip: "203.0.113.7", ip_country: "US" });
    expect(result.value.events[0]!.event.data.attributes_dropped).toBeUndefined();
  });
});
