/** The Adyen mapping table (README "Adyen") as data, from Adyen's documented NotificationRequestItems. */
import { describe, expect, test } from "bun:test";
import { adyenProvider, mapAdyenItem } from "../../src/ingest/providers/adyen.ts";
import type { WebhookSource } from "../../src/ingest/webhook-sources.ts";
import { adyenItem, adyenNotification } from "../support/provider-payloads.ts";

const SOURCE: WebhookSource = { name: "adyen", provider: "adyen", secrets: ["00".repeat(32)], basic_auth: null, merchant_id: null };
const PAYMENT = "7914073381342284";
const MODIFICATION = "8814073381342285";
const modification = (eventCode: string, value: number, options: { success?: boolean; additionalData?: Record<string, string> } = {}) =>
  adyenItem({ eventCode, pspReference: MODIFICATION, originalReference: PAYMENT, value, ...options });

type Expected = { id: string; type: string; data: Record<string, unknown> };
const CASES: Array<{ name: string; item: Record<string, any>; events?: Expected[]; ignored?: string }> = [
  {
    name: "AUTHORISATION success is authorized, merchant from merchantAccountCode",
    item: adyenItem({ eventCode: "AUTHORISATION", pspReference: PAYMENT, value: 1130, additionalData: { shopperReference: "c_9", shopperIP: "203.0.113.7", issuerCountry: "NL", alias: "H167852639363479" } }),
    events: [
      {
        id: `adyen:${PAYMENT}:AUTHORISATION:true`,
        type: "payment.authorized",
        data: { amount: 1130, currency: "EUR", merchant_id: "TestMerchant", customer_id: "c_9", ip: "203.0.113.7", card: { country: "NL", fingerprint: "H167852639363479" } },
      },
    ],
  },
  {
    name: "AUTHORISATION refused is created, then failed",
    item: adyenItem({ eventCode: "AUTHORISATION", success: false, pspReference: PAYMENT, value: 1130 }),
    events: [
      { id: `adyen:${PAYMENT}:created`, type: "payment.created", data: { amount: 1130, merchant_id: "TestMerchant" } },
      { id: `adyen:${PAYMENT}:AUTHORISATION:false`, type: "payment.failed", data: {} },
    ],
  },
  { name: "CAPTURE is captured with fee 0", item: modification("CAPTURE", 1000), events: [{ id: `adyen:${MODIFICATION}:CAPTURE:true`, type: "payment.captured", data: { amount: 1000, fee: 0 } }] },
  { name: "CAPTURE_FAILED is failed (dead-letters after a capture: reconciled by an operator)", item: modification("CAPTURE_FAILED", 1000), events: [{ id: `adyen:${MODIFICATION}:CAPTURE_FAILED:true`, type: "payment.failed", data: {} }] },
  { name: "CANCELLATION is canceled", item: modification("CANCELLATION", 1130), events: [{ id: `adyen:${MODIFICATION}:CANCELLATION:true`, type: "payment.canceled", data: {} }] },
  {
    name: "CANCEL_OR_REFUND with modification.action cancel is canceled",
    item: modification("CANCEL_OR_REFUND", 1130, { additionalData: { "modification.action": "cancel" } }),
    events: [{ id: `adyen:${MODIFICATION}:CANCEL_OR_REFUND:true`, type: "payment.canceled", data: {} }],
  },
  {
    name: "CANCEL_OR_REFUND with modification.action refund is refunded",
    item: modification("CANCEL_OR_REFUND", 1130, { additionalData: { "modification.action": "refund" } }),
    events: [{ id: `adyen:${MODIFICATION}:CANCEL_OR_REFUND:true`, type: "payment.refunded", data: { amount: 1130 } }],
  },
  { name: "REFUND is refunded for its own value", item: modification("REFUND", 300), events: [{ id: `adyen:${MODIFICATION}:REFUND:true`, type: "payment.refunded", data: { amount: 300, currency: "EUR" } }] },
  {
    name: "NOTIFICATION_OF_CHARGEBACK opens the payment's dispute",
    item: modification("NOTIFICATION_OF_CHARGEBACK", 1000),
    events: [{ id: `adyen:${PAYMENT}:dispute.opened`, type: "payment.dispute.opened", data: { amount: 1000 } }],
  },
  {
    name: "CHARGEBACK opens the dispute (the same id as a notification of it) and loses it",
    item: modification("CHARGEBACK", 1000),
    events: [
      { id: `adyen:${PAYMENT}:dispute.opened`, type: "payment.dispute.opened", data: { amount: 1000 } },
      { id: `adyen:${MODIFICATION}:CHARGEBACK:true`, type: "payment.dispute.lost", data: { amount: 1000 } },
    ],
  },
  { name: "CHARGEBACK_REVERSED is won", item: modification("CHARGEBACK_REVERSED", 1000), events: [{ id: `adyen:${MODIFICATION}:CHARGEBACK_REVERSED:true`, type: "payment.dispute.won", data: { amount: 1000 } }] },
  { name: "REFUND_FAILED is recorded as ignored: nothing canonical reverses a refund", item: modification("REFUND_FAILED", 300), ignored: "no_canonical_reversal" },
  { name: "a refused REFUND is ignored", item: modification("REFUND", 300, { success: false }), ignored: "not_successful" },
  { name: "a refused CAPTURE is ignored", item: modification("CAPTURE", 300, { success: false }), ignored: "not_successful" },
  { name: "CANCEL_OR_REFUND without an action is ignored", item: modification("CANCEL_OR_REFUND", 300), ignored: "unknown_modification" },
  { name: "an unmapped eventCode is ignored", item: adyenItem({ eventCode: "REPORT_AVAILABLE", pspReference: "9" }), ignored: "unmapped_type" },
];

describe("Adyen mapping table", () => {
  for (const { name, item, events, ignored } of CASES) {
    test(name, () => {
      const result = mapAdyenItem(item, 0, SOURCE);
      if (!result.ok) throw new Error(result.error.message);
      const provider_event_id = `${item.pspReference}:${item.eventCode}:${item.success}`;
      if (ignored !== undefined) {
        expect(result.value).toEqual({ events: [], ignored: [{ provider_event_id, provider_event_type: item.eventCode, reason: ignored, detail: expect.any(String) }] });
        return;
      }
      expect(result.value.events.map(({ event }) => ({ id: event.id, type: event.type, data: event.data }))).toMatchObject(events!);
      for (const { event, source } of result.value.events) {
        expect(event.payment_id).toBe(PAYMENT);
        expect(event.occurred_at).toBe(item.eventDate);
        expect(source).toEqual({
          kind: "webhook",
          source: "adyen",
          webhook_id: provider_event_id,
          provider: "adyen",
          provider_event_id,
          provider_event_type: item.eventCode,
          provider_payload: JSON.stringify(item),
        });
      }
    });
  }

  test("a batch maps every item, in order, across payments", () => {
    const body = JSON.stringify(adyenNotification([adyenItem({ eventCode: "AUTHORISATION", pspReference: "A1", value: 10 }), modification("CAPTURE", 5), adyenItem({ eventCode: "REPORT_AVAILABLE", pspReference: "R" })]));
    const result = adyenProvider.map({ header: (name) => (name === "content-type" ? "application/json" : null), body: new TextEncoder().encode(body), now_ms: 0 }, SOURCE);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.events.map(({ event }) => [event.payment_id, event.type])).toEqual([
      ["A1", "payment.authorized"],
      [PAYMENT, "payment.captured"],
    ]);
    expect(result.value.ignored.map((entry) => entry.provider_event_type)).toEqual(["REPORT_AVAILABLE"]);
  });

  test("an item that cannot be mapped fails the whole batch, naming the item", () => {
    const bad = { ...modification("CAPTURE", 5), amount: { value: 5, currency: "eur" } };
    const body = JSON.stringify(adyenNotification([adyenItem({ eventCode: "AUTHORISATION", pspReference: "A1", value: 10 }), bad]));
    const result = adyenProvider.map({ header: (name) => (name === "content-type" ? "application/json" : null), body: new TextEncoder().encode(body), now_ms: 0 }, SOURCE);
    expect(result).toMatchObject({ ok: false, error: { code: "invalid_currency" } });
    expect(!result.ok && result.error.message).toStartWith("notificationItems[1]");
  });

  test("missing fields and a body that is no notification are refused", () => {
    expect(mapAdyenItem({ ...modification("CAPTURE", 5), pspReference: undefined }, 3, SOURCE)).toMatchObject({ ok: false, error: { code: "missing_field", message: "notificationItems[3].pspReference is required" } });
    expect(mapAdyenItem({ ...modification("CAPTURE", 5), success: true }, 0, SOURCE)).toMatchObject({ ok: false, error: { code: "invalid_field" } });
    const empty = adyenProvider.map({ header: () => "application/json", body: new TextEncoder().encode('{"notificationItems":[]}'), now_ms: 0 }, SOURCE);
    expect(empty).toMatchObject({ ok: false, error: { code: "invalid_event" } });
  });
});
