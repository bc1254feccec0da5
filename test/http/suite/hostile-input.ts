/**
 * Hostile input (issue 12): bodies built to overflow a parser's stack, to mean two things, or
 * to exhaust memory, and requests the routes do not serve. Each gets a 4xx with
 * `{"error":{"code","message"}}`, nothing is written, and the host goes on answering. Every
 * body is correctly signed by its provider's scheme, so the refusal is about the body alone.
 */
import { expect } from "bun:test";
import { event } from "../../support/events.ts";
import { REQUEST_TIMEOUT_MS, sendSigned } from "../../support/http-target.ts";
import { adyenItem, adyenNotification, checkoutEvent, checkoutSignature, paymentIntent, signAdyenItem, stripeEvent, stripeSignature } from "../../support/provider-payloads.ts";
import { expectNothingWritten, expectProblem, request, type HttpSuiteContext } from "./context.ts";

/** A JSON value nested `depth` objects deep, written as text (JSON.stringify would recurse). */
function nested(depth: number): string {
  return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** The event's JSON with `"MARK"` replaced by raw JSON text. */
function withRaw(value: object, raw: string): string {
  const text = JSON.stringify(value);
  expect(text).toContain('"MARK"');
  return text.replace('"MARK"', raw);
}

export function hostileInputCases(context: HttpSuiteContext): void {
  const created = (name: string, extra: Record<string, unknown> = {}) => event("payment.created", context.paymentId(name), { amount: 1500, ...extra });

  /** As deep as fits in the target's body limit (the 500 came at 24,000 deep in 256 KiB). */
  const deepest = () => Math.floor((context.target().body_bytes_max - 2_000) / 6);

  context.test("an event nested as deep as the body limit allows inside data is refused with 400 json_too_deep", async () => {
    const target = context.target();
    const body = created("nested-deep", { details: "MARK" });
    const response = await sendSigned(target, withRaw(body, nested(deepest())));
    await expectProblem(response, 400, "json_too_deep");
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("an event with a duplicate key is refused with 400 duplicate_json_key: a signed body means one thing", async () => {
    const target = context.target();
    const body = created("duplicate-key", { amount: 1000 });
    const text = JSON.stringify(body).replace('"amount":1000', '"amount":1000,"amount":999999');
    expect(text).toContain('"amount":999999');
    const response = await sendSigned(target, text);
    const error = await expectProblem(response, 400, "duplicate_json_key");
    expect(error.message).toContain("amount");
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("a duplicate key written with an escape is the same key", async () => {
    const target = context.target();
    const body = created("duplicate-escaped-key", { amount: 1000 });
    const text = JSON.stringify(body).replace('"amount":1000', '"amount":1000,"\\u0061mount":2');
    await expectProblem(await sendSigned(target, text), 400, "duplicate_json_key");
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("an event with a string past the length limit is refused with 400 json_string_too_long", async () => {
    const target = context.target();
    const body = created("long-string", { note: "x".repeat(20_000) });
    await expectProblem(await sendSigned(target, body), 400, "json_string_too_long");
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("an event with an object of too many keys is refused with 400 json_too_many_keys", async () => {
    const target = context.target();
    const many = Object.fromEntries(Array.from({ length: 1_001 }, (_, index) => [`k${index}`, 1]));
    const body = created("many-keys", { many });
    await expectProblem(await sendSigned(target, body), 400, "json_too_many_keys");
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("Stripe, Adyen and Checkout.com bodies nested too deep or with duplicate keys are refused with 400", async () => {
    const { url, providers } = context.target();
    const stripe = async (text: string) => {
      const signature = await stripeSignature(text, providers.stripe.secret);
      return fetch(`${url}/webhooks/${providers.stripe.source}`, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": signature },
        body: text,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    };
    const checkout = (text: string) =>
      fetch(`${url}/webhooks/${providers.checkout.source}`, {
        method: "POST",
        headers: { "content-type": "application/json", "cko-signature": checkoutSignature(text, providers.checkout.secret) },
        body: text,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    const adyen = (text: string) => {
      const headers = new Headers({ "content-type": "application/json" });
      if (providers.adyen.basic_auth) headers.set("authorization", `Basic ${btoa(providers.adyen.basic_auth)}`);
      return fetch(`${url}/webhooks/${providers.adyen.source}`, { method: "POST", headers, body: text, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    };

    const stripe_id = `pi_${context.paymentId("stripe-hostile")}`;
    const stripe_event = stripeEvent("payment_intent.created", { ...paymentIntent({ id: stripe_id, amount: 5000, merchant_id: "m_1" }), extra: "MARK" });
    await expectProblem(await stripe(withRaw(stripe_event, nested(deepest()))), 400, "json_too_deep");
    await expectProblem(await stripe(withRaw(stripe_event, '{"x":1,"x":2}')), 400, "duplicate_json_key");

    const checkout_id = `pay_${context.paymentId("checkout-hostile")}`;
    const checkout_event = checkoutEvent("payment_approved", { id: checkout_id, amount: 1000, currency: "USD", extra: "MARK" });
    await expectProblem(await checkout(withRaw(checkout_event, nested(deepest()))), 400, "json_too_deep");
    await expectProblem(await checkout(withRaw(checkout_event, '{"x":1,"x":2}')), 400, "duplicate_json_key");

    const adyen_id = context.paymentId("adyen-hostile").toUpperCase().replaceAll("_", "");
    const item = signAdyenItem(adyenItem({ pspReference: adyen_id, eventCode: "AUTHORISATION", success: true, value: 1000 }), providers.adyen.hmac_key);
    const notification = adyenNotification([{ ...item, extra: "MARK" }]);
    await expectProblem(await adyen(withRaw(notification, nested(deepest()))), 400, "json_too_deep");
    await expectProblem(await adyen(withRaw(notification, '{"x":1,"x":2}')), 400, "duplicate_json_key");

    for (const payment_id of [stripe_id, checkout_id, adyen_id]) await expectNothingWritten(context.target(), payment_id);
  });

  context.test("an admin body with a duplicate key is refused with 400 duplicate_json_key", async () => {
    const target = context.target();
    const response = await request(target, "POST", `/payments/${context.paymentId("admin-duplicate")}/fraud/override`, {
      body: '{"decision":"allow","decision":"block","note":"x"}',
    });
    await expectProblem(response, 400, "duplicate_json_key");
  });

  context.test("a body far over BODY_BYTES_MAX with a Content-Length gets the JSON 413, not the server's bare one", async () => {
    const target = context.target();
    const body = created("body-far-over-limit", { padding: "x".repeat(target.body_bytes_max * 5) });
    const response = await sendSigned(target, body);
    await expectProblem(response, 413, "body_too_large");
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("a method a route does not serve gets 405 with Allow, in JSON", async () => {
    const target = context.target();
    const on_webhooks = await request(target, "GET", "/webhooks/dev", { token: null });
    await expectProblem(on_webhooks, 405, "method_not_allowed");
    expect(on_webhooks.headers.get("allow")).toBe("POST");
    const on_health = await request(target, "DELETE", "/health", { token: null });
    await expectProblem(on_health, 405, "method_not_allowed");
    expect(on_health.headers.get("allow")).toBe("GET, HEAD");
    const on_payment = await request(target, "PUT", `/payments/${context.paymentId("method")}`);
    await expectProblem(on_payment, 405, "method_not_allowed");
    expect(on_payment.headers.get("allow")).toBe("GET, HEAD");
    await expectProblem(await request(target, "GET", "/no-such-route", { token: null }), 404, "route_not_found");
  });
}
