/**
 * The demo's stream as Stripe or Adyen would send it: each canonical lifecycle of
 * event-stream.ts becomes the provider's own events (Stripe event objects; Adyen
 * NotificationRequestItems, batched several to a request), signed as the provider signs.
 * Providers send no sequence numbers; "shuffled" payments get their first provider event
 * last (Stripe's payment_intent.created arriving after the success, Adyen's AUTHORISATION
 * after its CAPTURE), which the actor holds or recognises as implied.
 */
import type { PaymentEvent } from "../../src/core/event.ts";
import { base64Encode, hexDecode, hexEncode, hmacSha256, utf8 } from "../../src/ingest/hmac.ts";
import { adyenSignedContent } from "../../src/ingest/providers/adyen-signature.ts";
import { STRIPE_EXPONENTS } from "../../src/ingest/providers/stripe-amounts.ts";
import { cardTestingBurst, interleave, paymentLifecycle, random, withDuplicates } from "./event-stream.ts";
import type { SignedRequest } from "./sender.ts";

export type ProviderName = "stripe" | "adyen";
type Fields = Record<string, any>;

export interface ProviderStream {
  requests: Array<{ payment_ids: string[]; body: Fields }>;
  payment_ids: string[];
}

export function providerStream(
  provider: ProviderName,
  options: {
    payments: number;
    duplicate_ratio: number;
    shuffle_ratio: number;
    seed: number;
    prefix: string;
    /** Canonical events to add at the end (the demo's mistakes), chosen from the lifecycles. */
    mistakes: (lifecycles: PaymentEvent[]) => PaymentEvent[];
  },
): ProviderStream {
  const next = random(options.seed);
  const time = new Date();
  const convert = provider === "stripe" ? stripeEvents : adyenItems;
  // Stripe's payment is the PaymentIntent, pi_<id>; Adyen's the authorisation's pspReference, <id>.
  const paymentOf = (payment_id: string) => (provider === "stripe" ? `pi_${payment_id}` : payment_id);
  const lanes: Array<Array<{ payment_id: string; body: Fields }>> = [];
  const lifecycles: PaymentEvent[][] = [];
  for (let index = 0; index < options.payments; index += 1) lifecycles.push(paymentLifecycle(`${options.prefix}_${index}`, next, time));
  for (const event of cardTestingBurst(options.prefix, 14, time)) lifecycles.push([event]);
  const amounts = new Map(lifecycles.map((events) => [events[0]!.payment_id, events[0]!.data.amount ?? 0]));
  for (const events of lifecycles) {
    const lane = convert(events, amounts).map((body) => ({ payment_id: paymentOf(events[0]!.payment_id), body }));
    if (lane.length > 1 && next() < options.shuffle_ratio) lane.push(lane.shift()!);
    lanes.push(lane);
  }
  const stream = withDuplicates(interleave(lanes, next), options.duplicate_ratio, next);
  // Mistakes go last, once their payments have settled into a status they cannot leave.
  for (const event of options.mistakes(lifecycles.flat())) for (const body of convert([event], amounts)) stream.push({ payment_id: paymentOf(event.payment_id), body });
  const payment_ids = [...new Set(stream.map((item) => item.payment_id))];
  if (provider === "stripe") return { requests: stream.map((item) => ({ payment_ids: [item.payment_id], body: item.body })), payment_ids };
  // Adyen batches items, for any payments, into one request.
  const requests: ProviderStream["requests"] = [];
  for (let index = 0; index < stream.length; ) {
    const size = 1 + Math.floor(next() * 4);
    const batch = stream.slice(index, index + size);
    index += size;
    requests.push({ payment_ids: batch.map((item) => item.payment_id), body: { live: "false", notificationItems: batch.map((item) => ({ NotificationRequestItem: item.body })) } });
  }
  return { requests, payment_ids };
}

/** Signs as the provider signs: Stripe-Signature over the body; Adyen's HMAC in every item. */
export async function signProviderRequests(provider: ProviderName, requests: ProviderStream["requests"], secret: string, basic_auth: string | null): Promise<SignedRequest[]> {
  const timestamp_s = Math.floor(Date.now() / 1000);
  return Promise.all(
    requests.map(async ({ body }): Promise<SignedRequest> => {
      if (provider === "adyen") {
        const key = hexDecode(secret)!;
        for (const wrapper of body.notificationItems as Fields[]) {
          const item = wrapper.NotificationRequestItem;
          item.additionalData.hmacSignature = base64Encode(await hmacSha256(key, utf8(adyenSignedContent(item))));
        }
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (basic_auth !== null) headers.authorization = `Basic ${btoa(basic_auth)}`;
        return { body: JSON.stringify(body), headers };
      }
      const text = JSON.stringify(body);
      const mac = hexEncode(await hmacSha256(utf8(secret), utf8(`${timestamp_s}.${text}`)));
      return { body: text, headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": `t=${timestamp_s},v1=${mac}` } };
    }),
  );
}

let event_number = 0;

function stripeAmount(amount: number, currency: string): number {
  const exponent = STRIPE_EXPONENTS[currency];
  return exponent === undefined ? amount : currency === "ISK" ? amount * 100 : amount / 100;
}

/** One payment's canonical events as Stripe events about its PaymentIntent. */
function stripeEvents(events: PaymentEvent[], amounts: Map<string, number>): Fields[] {
  const out: Fields[] = [];
  const captures_partially = events.some((event) => event.type === "payment.captured" && event.data.amount !== amounts.get(event.payment_id));
  const manual = captures_partially || events.some((event) => event.type === "payment.canceled");
  let refunds = 0;
  for (const event of events) {
    const data = event.data;
    const currency = data.currency!;
    const pi = `pi_${event.payment_id}`;
    const amount = stripeAmount(amounts.get(event.payment_id)!, currency);
    const card = data.card ? { fingerprint: data.card.fingerprint, country: data.card.country?.toLowerCase() } : undefined;
    const intent = (extra: Fields = {}): Fields => ({
      id: pi,
      object: "payment_intent",
      amount,
      amount_capturable: 0,
      amount_received: 0,
      capture_method: manual ? "manual" : "automatic",
      currency: currency.toLowerCase(),
      customer: data.customer_id ?? null,
      metadata: { merchant_id: data.merchant_id, ...(data.ip ? { ip: data.ip } : {}), ...(data.ip_country ? { ip_country: data.ip_country } : {}) },
      latest_charge: card ? { id: `ch_${event.payment_id}`, payment_method_details: { card } } : null,
      ...extra,
    });
    const emit = (type: string, object: Fields) =>
      out.push({ id: `evt_${(event_number += 1).toString(36)}_${event.id}`, object: "event", api_version: "2025-10-29.clover", created: Math.floor(Date.parse(event.occurred_at) / 1000), livemode: false, type, data: { object } });
    const money = (value: number) => ({ amount: stripeAmount(value, currency), currency: currency.toLowerCase(), payment_intent: pi, charge: `ch_${event.payment_id}` });
    switch (event.type) {
      case "payment.created":
        emit("payment_intent.created", intent({ status: "requires_payment_method" }));
        break;
      case "payment.authorized":
        // Automatic capture reports the authorization only through payment_intent.succeeded.
        if (manual) emit("payment_intent.amount_capturable_updated", intent({ amount_capturable: amount, status: "requires_capture" }));
        break;
      case "payment.captured": {
        const charge = intent().latest_charge ?? { id: `ch_${event.payment_id}` };
        emit("payment_intent.succeeded", intent({ status: "succeeded", amount_received: stripeAmount(data.amount!, currency), latest_charge: { ...charge, balance_transaction: { id: `txn_${event.payment_id}`, fee: stripeAmount(data.fee ?? 0, currency), currency: currency.toLowerCase() } } }));
        break;
      }
      case "payment.failed":
        emit("payment_intent.payment_failed", intent({ last_payment_error: { code: "card_declined" } }));
        break;
      case "payment.canceled":
        emit("payment_intent.canceled", intent({ status: "canceled", cancellation_reason: "requested_by_customer" }));
        break;
      case "payment.refunded":
        emit("refund.created", { id: `re_${event.id}_${(refunds += 1)}`, object: "refund", status: "succeeded", ...money(data.amount!) });
        break;
      case "payment.dispute.opened":
        emit("charge.dispute.created", { id: `dp_${event.payment_id}`, object: "dispute", status: "needs_response", reason: "fraudulent", ...money(data.amount!) });
        break;
      case "payment.dispute.won":
      case "payment.dispute.lost":
        emit("charge.dispute.closed", { id: `dp_${event.payment_id}`, object: "dispute", status: event.type.endsWith("won") ? "won" : "lost", reason: "fraudulent", ...money(data.amount!) });
        break;
    }
  }
  return out;
}

/** One payment's canonical events as Adyen notification items (the payment is its pspReference). */
function adyenItems(events: PaymentEvent[], amounts: Map<string, number>): Fields[] {
  const out: Fields[] = [];
  const authorizes = events.some((event) => event.type === "payment.authorized" || event.type === "payment.failed");
  for (const event of events) {
    const data = event.data;
    const payment = event.payment_id;
    const item = (eventCode: string, psp: string, value: number, success = true, modification = true): Fields => ({
      additionalData: {
        ...(data.customer_id ? { shopperReference: data.customer_id } : {}),
        ...(data.ip ? { shopperIP: data.ip } : {}),
        ...(data.card?.country ? { issuerCountry: data.card.country } : {}),
        ...(data.card?.fingerprint ? { alias: data.card.fingerprint } : {}),
      },
      amount: { currency: data.currency, value },
      eventCode,
      eventDate: event.occurred_at,
      merchantAccountCode: data.merchant_id ?? "DemoMerchant",
      merchantReference: `order_${payment}`,
      pspReference: psp,
      ...(modification ? { originalReference: payment } : {}),
      reason: "",
      success: String(success),
    });
    switch (event.type) {
      case "payment.created":
        // Adyen reports no creation; a payment only ever created (card testing) is an authorisation attempt.
        if (!authorizes) out.push(item("AUTHORISATION", payment, data.amount!, true, false));
        break;
      case "payment.authorized":
        out.push(item("AUTHORISATION", payment, data.amount!, true, false));
        break;
      case "payment.failed":
        out.push(item("AUTHORISATION", payment, amounts.get(payment)!, false, false));
        break;
      case "payment.captured":
        out.push(item("CAPTURE", `${event.id}_capture`, data.amount!));
        break;
      case "payment.canceled":
        out.push(item("CANCELLATION", `${event.id}_cancel`, amounts.get(payment)!));
        break;
      case "payment.refunded":
        out.push(item("REFUND", `${event.id}_refund`, data.amount!));
        break;
      case "payment.dispute.opened":
        out.push(item("NOTIFICATION_OF_CHARGEBACK", `${event.id}_dispute`, data.amount!));
        break;
      case "payment.dispute.won":
        out.push(item("CHARGEBACK_REVERSED", `${event.id}_reversed`, data.amount!));
        break;
      case "payment.dispute.lost":
        out.push(item("CHARGEBACK", `${event.id}_chargeback`, data.amount!));
        break;
    }
  }
  return out;
}
