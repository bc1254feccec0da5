/**
 * Provider payloads as the providers document them (Stripe's event objects, Adyen's standard
 * notification items, Checkout.com's events), reduced to what the mappings read, and signed
 * with the providers' own libraries (`stripe`, `@adyen/api-library`) so that our verifiers are
 * checked against the real signers. Checkout.com publishes no signing library: its signature
 * is written out from its documentation with node:crypto.
 */
import { hmacValidator as HmacValidator } from "@adyen/api-library";
import { createHmac, randomBytes } from "node:crypto";
import Stripe from "stripe";

const stripe = new Stripe("sk_test_oracle_only");
const adyen = new HmacValidator();

type Fields = Record<string, any>;

export function stripeSecret(): string {
  return `whsec_${randomBytes(24).toString("base64url")}`;
}

export function adyenHmacKey(): string {
  return randomBytes(32).toString("hex").toUpperCase();
}

export function checkoutSecret(): string {
  return randomBytes(24).toString("hex");
}

/** Stripe-Signature as Stripe's own library computes it. */
export function stripeSignature(payload: string, secret: string, timestamp_s?: number): Promise<string> {
  return stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, ...(timestamp_s === undefined ? {} : { timestamp: timestamp_s }) });
}

/** Stripe's own verifier, for checking that we accept exactly what it accepts. */
export async function stripeAccepts(payload: string, header: string, secret: string): Promise<boolean> {
  try {
    await stripe.webhooks.constructEventAsync(payload, header, secret);
    return true;
  } catch {
    return false;
  }
}

let stripe_sequence = 0;
export function stripeEventId(): string {
  stripe_sequence += 1;
  return `evt_${randomBytes(8).toString("hex")}${stripe_sequence}`;
}

export function stripeEvent(type: string, object: Fields, extra: Fields = {}): Fields {
  return { id: stripeEventId(), object: "event", api_version: "2025-10-29.clover", created: 1_764_590_400, livemode: false, type, data: { object }, ...extra };
}

export interface IntentOptions {
  id: string;
  amount: number;
  currency?: string;
  amount_received?: number;
  amount_capturable?: number;
  status?: string;
  merchant_id?: string;
  latest_charge?: unknown;
  capture_method?: "automatic" | "manual";
}

export function paymentIntent(options: IntentOptions): Fields {
  return {
    id: options.id,
    object: "payment_intent",
    amount: options.amount,
    amount_capturable: options.amount_capturable ?? 0,
    amount_received: options.amount_received ?? 0,
    capture_method: options.capture_method ?? "automatic",
    currency: options.currency ?? "usd",
    customer: "cus_9",
    latest_charge: options.latest_charge ?? null,
    metadata: options.merchant_id ? { merchant_id: options.merchant_id } : {},
    status: options.status ?? "requires_payment_method",
  };
}

export function stripeRefund(options: { id: string; payment_intent: string; amount: number; currency?: string; status?: string }): Fields {
  return { id: options.id, object: "refund", amount: options.amount, currency: options.currency ?? "usd", payment_intent: options.payment_intent, charge: "ch_1", status: options.status ?? "succeeded" };
}

export function stripeDispute(options: { id: string; payment_intent: string; amount: number; status: string; currency?: string }): Fields {
  return { id: options.id, object: "dispute", amount: options.amount, currency: options.currency ?? "usd", payment_intent: options.payment_intent, charge: "ch_1", reason: "fraudulent", status: options.status };
}

export interface AdyenItemOptions {
  eventCode: string;
  success?: boolean;
  pspReference: string;
  originalReference?: string;
  value?: number;
  currency?: string;
  merchantAccountCode?: string;
  additionalData?: Record<string, string>;
}

/** A NotificationRequestItem, unsigned. */
export function adyenItem(options: AdyenItemOptions): Fields {
  const item: Fields = {
    additionalData: { ...options.additionalData },
    amount: { currency: options.currency ?? "EUR", value: options.value ?? 0 },
    eventCode: options.eventCode,
    eventDate: "2026-11-21T10:00:00+01:00",
    merchantAccountCode: options.merchantAccountCode ?? "TestMerchant",
    merchantReference: `order-${options.pspReference}`,
    pspReference: options.pspReference,
    reason: "",
    success: String(options.success ?? true),
  };
  if (options.originalReference !== undefined) item.originalReference = options.originalReference;
  return item;
}

/** The item with additionalData.hmacSignature as Adyen's own library computes it. */
export function signAdyenItem(item: Fields, hmac_key: string): Fields {
  const signed = structuredClone(item);
  signed.additionalData = { ...signed.additionalData, hmacSignature: adyen.calculateHmac(signed as never, hmac_key) };
  return signed;
}

/** Adyen's own validator, for checking that we accept exactly what it accepts. */
export function adyenAccepts(item: Fields, hmac_key: string): boolean {
  try {
    return adyen.validateHMAC(item as never, hmac_key);
  } catch {
    return false;
  }
}

export function adyenNotification(items: Fields[]): Fields {
  return { live: "false", notificationItems: items.map((item) => ({ NotificationRequestItem: item })) };
}

export function checkoutSignature(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

export function checkoutEvent(type: string, data: Fields): Fields {
  return { id: `evt_${randomBytes(8).toString("hex")}`, type, version: "1.0.33", created_on: "2026-11-21T10:00:00Z", data };
}
