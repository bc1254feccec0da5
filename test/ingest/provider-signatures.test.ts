/**
 * Provider signatures, case by case, against the providers' own libraries as oracles: what
 * `stripe` signs and `@adyen/api-library` signs verifies here, and what they refuse we refuse.
 */
import { describe, expect, test } from "bun:test";
import { adyenProvider } from "../../src/ingest/providers/adyen.ts";
import { checkoutProvider } from "../../src/ingest/providers/checkout.ts";
import { stripeProvider } from "../../src/ingest/providers/stripe.ts";
import type { ProviderRequest } from "../../src/ingest/provider.ts";
import type { WebhookSource } from "../../src/ingest/webhook-sources.ts";
import {
  adyenAccepts,
  adyenHmacKey,
  adyenItem,
  adyenNotification,
  checkoutEvent,
  checkoutSecret,
  checkoutSignature,
  paymentIntent,
  signAdyenItem,
  stripeAccepts,
  stripeEvent,
  stripeSecret,
  stripeSignature,
} from "../support/provider-payloads.ts";

const NOW_MS = Date.now();
const NOW_S = Math.floor(NOW_MS / 1000);

function request(body: string, headers: Record<string, string>, now_ms = NOW_MS): ProviderRequest {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { header: (name) => lower[name.toLowerCase()] ?? null, body: new TextEncoder().encode(body), now_ms };
}

function source(provider: WebhookSource["provider"], secrets: string[], basic_auth: string | null = null): WebhookSource {
  return { name: provider, provider, secrets, basic_auth, merchant_id: "m_1" };
}

describe("Stripe-Signature, against the stripe library", () => {
  const secret = stripeSecret();
  const payload = JSON.stringify(stripeEvent("payment_intent.created", paymentIntent({ id: "pi_sig", amount: 1000 })));
  const verify = (body: string, header: string | null, secrets = [secret], now_ms = NOW_MS) =>
    stripeProvider.verify(request(body, header === null ? {} : { "Stripe-Signature": header }, now_ms), source("stripe", secrets));

  test("a header made by stripe's test-header helper verifies, and stripe's constructEvent agrees", async () => {
    const header = await stripeSignature(payload, secret);
    expect(await stripeAccepts(payload, header, secret)).toBe(true);
    expect(await verify(payload, header)).toEqual({ ok: true, value: undefined });
  });

  test("a body changed after signing fails, as it does for stripe", async () => {
    const header = await stripeSignature(payload, secret);
    const tampered = payload.replace('"amount":1000', '"amount":1');
    expect(await stripeAccepts(tampered, header, secret)).toBe(false);
    expect(await verify(tampered, header)).toMatchObject({ ok: false, error: { code: "signature_mismatch" } });
  });

  test("a signature under another secret fails", async () => {
    const header = await stripeSignature(payload, stripeSecret());
    expect(await stripeAccepts(payload, header, secret)).toBe(false);
    expect(await verify(payload, header)).toMatchObject({ ok: false, error: { code: "signature_mismatch" } });
  });

  test("a timestamp older than 300 s is stale; 300 s is still accepted (stripe's tolerance)", async () => {
    const stale = await stripeSignature(payload, secret, NOW_S - 301);
    expect(await stripeAccepts(payload, stale, secret)).toBe(false);
    const stale_result = await verify(payload, stale);
    expect(stale_result).toMatchObject({ ok: false, error: { code: "timestamp_out_of_tolerance" } });
    expect(!stale_result.ok && stale_result.error.message).toContain("301 s old");
    expect(await verify(payload, await stripeSignature(payload, secret, NOW_S - 300))).toEqual({ ok: true, value: undefined });
  });

  test("during a rotation any configured secret verifies, and a header with two v1 entries verifies", async () => {
    const previous = stripeSecret();
    expect((await verify(payload, await stripeSignature(payload, previous), [previous, secret])).ok).toBe(true);
    const old_header = await stripeSignature(payload, previous, NOW_S);
    const new_header = await stripeSignature(payload, secret, NOW_S);
    const both = `${old_header},${new_header.split(",").find((part) => part.startsWith("v1="))}`;
    expect(await stripeAccepts(payload, both, secret)).toBe(true);
    expect((await verify(payload, both, [secret])).ok).toBe(true);
  });

  test("a missing header, no timestamp or no v1 entry is refused with its own code", async () => {
    expect(await verify(payload, null)).toMatchObject({ ok: false, error: { code: "missing_signature_headers" } });
    const header = await stripeSignature(payload, secret);
    const v1 = header.split(",").find((part) => part.startsWith("v1="))!;
    for (const malformed of [v1, `t=${NOW_S}`, `t=${NOW_S},v0=abc`, `t=soon,${v1}`, `t=${NOW_S},v1=not-hex`, "garbage"]) {
      expect({ malformed, stripe: await stripeAccepts(payload, malformed, secret) }).toEqual({ malformed, stripe: false });
      expect({ malformed, result: await verify(payload, malformed) }).toMatchObject({ malformed, result: { ok: false, error: { code: "malformed_signature" } } });
    }
  });
});

describe("Adyen item HMAC, against @adyen/api-library's HmacValidator", () => {
  const key = adyenHmacKey();
  const item = adyenItem({ eventCode: "AUTHORISATION", pspReference: "7914073381342284", value: 1130, currency: "EUR" });
  const verify = (items: object[], keys = [key], headers: Record<string, string> = {}, basic_auth: string | null = null) =>
    adyenProvider.verify(request(JSON.stringify(adyenNotification(items)), { "content-type": "application/json", ...headers }), source("adyen", keys, basic_auth));

  test("an item signed by Adyen's library verifies, and the library validates it too", async () => {
    const signed = signAdyenItem(item, key);
    expect(adyenAccepts(signed, key)).toBe(true);
    expect(await verify([signed])).toEqual({ ok: true, value: undefined });
  });

  test("a modification with originalReference verifies (the reference is part of the signed string)", async () => {
    const capture = signAdyenItem(adyenItem({ eventCode: "CAPTURE", pspReference: "8814073381342285", originalReference: "7914073381342284", value: 1130 }), key);
    expect(adyenAccepts(capture, key)).toBe(true);
    expect((await verify([capture])).ok).toBe(true);
  });

  test("a changed amount, success flag or reference fails, as the library says", async () => {
    const signed = signAdyenItem(item, key);
    for (const change of [
      (copy: any) => (copy.amount.value = 1),
      (copy: any) => (copy.success = "false"),
      (copy: any) => (copy.pspReference = "7914073381342285"),
      (copy: any) => (copy.eventCode = "REFUND"),
    ]) {
      const tampered = structuredClone(signed);
      change(tampered);
      expect(adyenAccepts(tampered, key)).toBe(false);
      expect(await verify([tampered])).toMatchObject({ ok: false, error: { code: "signature_mismatch" } });
    }
  });

  test("an item signed with another key fails; during a rotation either key verifies", async () => {
    const other = adyenHmacKey();
    const signed = signAdyenItem(item, other);
    expect(adyenAccepts(signed, key)).toBe(false);
    expect(await verify([signed])).toMatchObject({ ok: false, error: { code: "signature_mismatch" } });
    expect((await verify([signed], [key, other])).ok).toBe(true);
  });

  test("one bad item in a batch fails the whole batch and names the item", async () => {
    const good = signAdyenItem(item, key);
    const bad = signAdyenItem(adyenItem({ eventCode: "CAPTURE", pspReference: "2", originalReference: "1", value: 5 }), adyenHmacKey());
    const result = await verify([good, bad]);
    expect(result).toMatchObject({ ok: false, error: { code: "signature_mismatch" } });
    expect(!result.ok && result.error.message).toContain("notificationItems[1]");
  });

  test("a missing or malformed hmacSignature is refused with its own code", async () => {
    expect(await verify([item])).toMatchObject({ ok: false, error: { code: "missing_signature" } });
    const malformed = { ...item, additionalData: { hmacSignature: "not base64!" } };
    expect(await verify([malformed])).toMatchObject({ ok: false, error: { code: "malformed_signature" } });
  });

  test("Basic auth, when the source sets it, must match", async () => {
    const signed = signAdyenItem(item, key);
    const basic = (credentials: string) => ({ authorization: `Basic ${btoa(credentials)}` });
    expect((await verify([signed], [key], basic("adyen:s3cret"), "adyen:s3cret")).ok).toBe(true);
    expect(await verify([signed], [key], {}, "adyen:s3cret")).toMatchObject({ ok: false, error: { code: "missing_credentials" } });
    expect(await verify([signed], [key], basic("adyen:wrong"), "adyen:s3cret")).toMatchObject({ ok: false, error: { code: "invalid_credentials" } });
    expect(await verify([signed], [key], { authorization: "Bearer x" }, "adyen:s3cret")).toMatchObject({ ok: false, error: { code: "invalid_credentials" } });
  });
});

describe("Cko-Signature (Checkout.com), from its documentation", () => {
  const secret = checkoutSecret();
  const body = JSON.stringify(checkoutEvent("payment_approved", { id: "pay_1", amount: 100, currency: "GBP" }));
  const verify = (headers: Record<string, string>, secrets = [secret]) => checkoutProvider.verify(request(body, headers), source("checkout", secrets));

  test("the hex HMAC-SHA256 of the raw body under the secret key verifies; any secret of a rotation does", async () => {
    expect((await verify({ "Cko-Signature": checkoutSignature(body, secret) })).ok).toBe(true);
    const previous = checkoutSecret();
    expect((await verify({ "Cko-Signature": checkoutSignature(body, previous) }, [previous, secret])).ok).toBe(true);
  });

  test("another secret, a missing or a malformed header is refused", async () => {
    expect(await verify({ "Cko-Signature": checkoutSignature(body, checkoutSecret()) })).toMatchObject({ ok: false, error: { code: "signature_mismatch" } });
    expect(await verify({})).toMatchObject({ ok: false, error: { code: "missing_signature_headers" } });
    expect(await verify({ "Cko-Signature": "xyz" })).toMatchObject({ ok: false, error: { code: "malformed_signature" } });
  });
});
