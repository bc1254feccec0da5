/**
 * Provider-native webhooks end to end: Stripe and Adyen lifecycles signed by the providers'
 * own libraries, with duplicates and out-of-order deliveries, reach the status, amounts and
 * ledger their events imply; ignored types are acknowledged and counted; bad signatures and
 * a batch with one bad item write nothing.
 */
import { expect } from "bun:test";
import { adyenHmacKey, adyenItem, checkoutEvent, checkoutSecret, paymentIntent, stripeEvent, stripeRefund, stripeSecret } from "../../support/provider-payloads.ts";
import { sendAdyen, sendCheckout, sendStripe } from "../../support/provider-sources.ts";
import { REQUEST_TIMEOUT_MS, sendSigned } from "../../support/http-target.ts";
import { adminJson, expectNothingWritten, expectProblem, pollPayment, request, type HttpSuiteContext, type Json } from "./context.ts";

async function expectAnswer(response: Response, status: number, body: string): Promise<void> {
  const text = await response.text();
  expect({ status: response.status, body: text }).toEqual({ status, body });
}

async function merchantAccount(context: HttpSuiteContext, currency: string, merchant_id: string): Promise<Json | undefined> {
  const body = await adminJson(context.target(), `/ledger/accounts?currency=${currency}`);
  return (body.accounts as Json[]).find((account) => account.account === `merchant:${merchant_id}:payable`);
}

export function providerCases(context: HttpSuiteContext): void {
  context.test("a Stripe lifecycle, duplicated and out of order, reaches partially_refunded with the ledger its events imply", async () => {
    const target = context.target();
    const { url, providers } = target;
    const payment_id = `pi_${context.paymentId("stripe")}`;
    const merchant_id = `m_${payment_id}`;
    const intent = (extra: Record<string, unknown>) => paymentIntent({ id: payment_id, amount: 5000, merchant_id, ...extra });
    const succeeded = stripeEvent(
      "payment_intent.succeeded",
      intent({ amount_received: 5000, status: "succeeded", latest_charge: { id: "ch_1", balance_transaction: { id: "txn_1", fee: 175, currency: "usd" } } }),
    );
    const refund_1 = stripeRefund({ id: `re_${payment_id}_1`, payment_intent: payment_id, amount: 300 });
    const refund_2 = stripeRefund({ id: `re_${payment_id}_2`, payment_intent: payment_id, amount: 200 });
    const deliveries = [
      stripeEvent("refund.created", refund_1), // before its capture: held until captured
      succeeded,
      stripeEvent("payment_intent.created", intent({})), // late: the creation succeeded already implied
      succeeded, // Stripe redelivers
      stripeEvent("charge.refunded", { id: "ch_1", object: "charge", payment_intent: payment_id, amount_refunded: 500, currency: "usd", refunds: { data: [refund_2, refund_1] } }),
      stripeEvent("refund.updated", refund_2),
      stripeEvent("charge.succeeded", { id: "ch_1", object: "charge", payment_intent: payment_id }),
    ];
    const answers = [];
    for (const event of deliveries) {
      const response = await sendStripe(url, providers, event);
      answers.push({ type: event.type, status: response.status, body: await response.json() });
    }
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202, 202, 202]);
    expect(answers.map((answer) => (answer.body as Json).status)).toEqual(["accepted", "accepted", "duplicate", "duplicate", "accepted", "duplicate", "ignored"]);

    const payment = await pollPayment(target, payment_id, "partially_refunded and flushed", (view) => view.status === "partially_refunded" && view.amounts.refunded === 500 && view.outbox.pending === 0);
    expect(payment.amounts).toMatchObject({ authorized: 5000, captured: 5000, refunded: 500, disputed: 0, fees: 175 });
    expect(payment.dead_letters).toEqual([]);
    expect(payment.merchant_id).toBe(merchant_id);
    const applied = (payment.events as Json[]).map((event) => event.id).sort();
    expect(applied).toEqual([`stripe:${payment_id}:authorized`, `stripe:${payment_id}:captured`, `stripe:${payment_id}:created`, `stripe:${refund_1.id}:refunded`, `stripe:${refund_2.id}:refunded`].sort());
    const captured = (payment.events as Json[]).find((event) => event.type === "payment.captured")!;
    expect(captured.source).toMatchObject({ kind: "webhook", source: providers.stripe.source, provider: "stripe", provider_event_id: succeeded.id, provider_event_type: "payment_intent.succeeded" });
    expect(JSON.parse(captured.source.provider_payload)).toEqual(succeeded);

    // Captured 5000 posts the hold to the merchant; the fee and both refunds are debited from it.
    expect(await merchantAccount(context, "USD", merchant_id)).toEqual({ account: `merchant:${merchant_id}:payable`, debits_pending: 0, debits_posted: 175 + 500, credits_pending: 0, credits_posted: 5000 });
  });

  context.test("an Adyen lifecycle across batches and payments, redelivered and out of order, reaches dispute_won; Adyen is answered [accepted]", async () => {
    const target = context.target();
    const { url, providers } = target;
    const run = context.paymentId("adyen");
    const merchant = `Merchant_${run}`;
    const payment = `${run}_A`;
    const refused = `${run}_B`;
    const item = (eventCode: string, psp: string, value: number, extra: Record<string, unknown> = {}) =>
      adyenItem({ eventCode, pspReference: psp, value, currency: "EUR", merchantAccountCode: merchant, ...extra });
    const modifications = [item("CAPTURE", `${run}_C`, 10_000, { originalReference: payment }), item("REFUND", `${run}_R`, 2_500, { originalReference: payment })];

    await expectAnswer(await sendAdyen(url, providers, modifications), 200, "[accepted]"); // before the authorisation: held
    await expectAnswer(await sendAdyen(url, providers, [item("AUTHORISATION", payment, 10_000), item("AUTHORISATION", refused, 700, { success: false }), item("REPORT_AVAILABLE", `${run}_report`, 0)]), 200, "[accepted]");
    await expectAnswer(await sendAdyen(url, providers, modifications), 200, "[accepted]"); // Adyen retries: duplicates
    await pollPayment(target, payment, "partially_refunded", (view) => view.status === "partially_refunded");
    await expectAnswer(await sendAdyen(url, providers, [item("NOTIFICATION_OF_CHARGEBACK", `${run}_D`, 7_500, { originalReference: payment })]), 200, "[accepted]");
    await pollPayment(target, payment, "disputed", (view) => view.status === "disputed");
    await expectAnswer(await sendAdyen(url, providers, [item("CHARGEBACK_REVERSED", `${run}_W`, 7_500, { originalReference: payment })]), 200, "[accepted]");

    const view = await pollPayment(target, payment, "dispute_won and flushed", (state) => state.status === "dispute_won" && state.outbox.pending === 0);
    expect(view.amounts).toMatchObject({ authorized: 10_000, captured: 10_000, refunded: 2_500, disputed: 7_500, fees: 0 });
    expect(view.dead_letters).toEqual([]);
    expect(view.events.map((event: Json) => event.type)).toEqual(["payment.authorized", "payment.captured", "payment.refunded", "payment.dispute.opened", "payment.dispute.won"]);
    expect(view.events[1].source).toMatchObject({ provider: "adyen", provider_event_id: `${run}_C:CAPTURE:true`, provider_event_type: "CAPTURE" });
    const failed = await pollPayment(target, refused, "failed", (state) => state.status === "failed" && state.outbox.pending === 0);
    expect(failed.events.map((event: Json) => event.type)).toEqual(["payment.created", "payment.failed"]);

    // Capture posts 10,000 to the merchant; the refund and the dispute debit it; the won dispute credits it back.
    expect(await merchantAccount(context, "EUR", merchant)).toEqual({ account: `merchant:${merchant}:payable`, debits_pending: 0, debits_posted: 2_500 + 7_500, credits_pending: 0, credits_posted: 10_000 + 7_500 });
  });

  context.test("an Adyen batch with one item under a wrong HMAC key is refused whole with 401 and writes nothing", async () => {
    const { url, providers } = context.target();
    const run = context.paymentId("adyen_bad_batch");
    const items = [adyenItem({ eventCode: "AUTHORISATION", pspReference: `${run}_1`, value: 100 }), adyenItem({ eventCode: "AUTHORISATION", pspReference: `${run}_2`, value: 100 })];
    const error = await expectProblem(await sendAdyen(url, providers, items, { signed_with: new Map([[1, adyenHmacKey()]]) }), 401, "signature_mismatch");
    expect(error.message).toContain("notificationItems[1]");
    await expectNothingWritten(context.target(), `${run}_1`);
    await expectNothingWritten(context.target(), `${run}_2`);
    await expectProblem(await sendAdyen(url, providers, items, { basic_auth: "adyen_user:wrong" }), 401, "invalid_credentials");
    await expectProblem(await sendAdyen(url, providers, items, { basic_auth: null }), 401, "missing_credentials");
    await expectNothingWritten(context.target(), `${run}_1`);
  });

  context.test("a CAPTURE_FAILED after a capture dead-letters with the raw Adyen item kept for replay", async () => {
    const target = context.target();
    const run = context.paymentId("adyen_capture_failed");
    const capture_failed = adyenItem({ eventCode: "CAPTURE_FAILED", pspReference: `${run}_F`, originalReference: run, value: 900 });
    await expectAnswer(await sendAdyen(target.url, target.providers, [adyenItem({ eventCode: "AUTHORISATION", pspReference: run, value: 900 }), adyenItem({ eventCode: "CAPTURE", pspReference: `${run}_C`, originalReference: run, value: 900 })]), 200, "[accepted]");
    await pollPayment(target, run, "captured", (view) => view.status === "captured");
    await expectAnswer(await sendAdyen(target.url, target.providers, [capture_failed]), 200, "[accepted]");
    const view = await pollPayment(target, run, "a dead letter", (state) => state.dead_letters.length === 1);
    const letter = view.dead_letters[0];
    expect(letter).toMatchObject({ type: "payment.failed", reason: "invalid_transition" });
    expect(letter.source).toMatchObject({ provider: "adyen", provider_event_type: "CAPTURE_FAILED", provider_event_id: `${run}_F:CAPTURE_FAILED:true` });
    expect(JSON.parse(letter.source.provider_payload)).toMatchObject({ ...capture_failed, additionalData: { hmacSignature: expect.any(String) } });
  });

  context.test("unmapped provider types are acknowledged, counted per provider and type, and listed for an operator", async () => {
    const target = context.target();
    const unmapped = stripeEvent("customer.created", { id: "cus_1", object: "customer" });
    const response = await sendStripe(target.url, target.providers, unmapped);
    await expectAnswer(response, 202, '{"status":"ignored","events":0}');
    await expectAnswer(await sendAdyen(target.url, target.providers, [adyenItem({ eventCode: "REPORT_AVAILABLE", pspReference: context.paymentId("report") })]), 200, "[accepted]");

    const metrics = await (await fetch(`${target.url}/metrics`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).text();
    // Cloudflare's samples carry scope="isolate" too (each isolate reports its own).
    const count = (labels: string) => Number(new RegExp(`^webhook_provider_events_ignored_total\\{${labels}(,scope="isolate")?\\} (\\d+)$`, "m").exec(metrics)?.[2] ?? 0);
    expect(count('provider="stripe",reason="unmapped_type",type="customer.created"')).toBeGreaterThanOrEqual(1);
    expect(count('provider="adyen",reason="unmapped_type",type="REPORT_AVAILABLE"')).toBeGreaterThanOrEqual(1);

    const listed = await adminJson(target, "/webhooks/ignored?provider=stripe&type=customer.created");
    expect(listed.ignored).toContainEqual({
      provider_event_id: unmapped.id,
      provider_event_type: "customer.created",
      reason: "unmapped_type",
      detail: expect.any(String),
      source: target.providers.stripe.source,
      provider: "stripe",
      received_at: expect.any(String),
    });
    await expectProblem(await request(target, "GET", "/webhooks/ignored", { token: null }), 401, "missing_admin_token");
  });

  context.test("Stripe deliveries with a wrong secret, a stale timestamp, or a missing or malformed header are 401 and write nothing", async () => {
    const target = context.target();
    const payment_id = `pi_${context.paymentId("stripe_unsigned")}`;
    const event = stripeEvent("payment_intent.created", paymentIntent({ id: payment_id, amount: 100 }));
    await expectProblem(await sendStripe(target.url, target.providers, event, { secret: stripeSecret() }), 401, "signature_mismatch");
    await expectProblem(await sendStripe(target.url, target.providers, event, { timestamp_s: Math.floor(Date.now() / 1000) - 301 }), 401, "timestamp_out_of_tolerance");
    await expectProblem(await sendStripe(target.url, target.providers, event, { signature: null }), 401, "missing_signature_headers");
    await expectProblem(await sendStripe(target.url, target.providers, event, { signature: "t=1,v1=zz" }), 401, "malformed_signature");
    await expectNothingWritten(target, payment_id);
    // The previous secret of the rotation still verifies.
    expect((await sendStripe(target.url, target.providers, event, { secret: target.providers.stripe.secret_previous })).status).toBe(202);
  });

  context.test("a Checkout.com payment approved, captured and refunded reaches partially_refunded; a wrong Cko-Signature is 401", async () => {
    const target = context.target();
    const payment_id = `pay_cko_${context.paymentId("checkout")}`;
    const data = { id: payment_id, amount: 6540, currency: "GBP", metadata: { merchant_id: `m_${payment_id}` } };
    const approved = checkoutEvent("payment_approved", data);
    await expectProblem(await sendCheckout(target.url, target.providers, approved, checkoutSecret()), 401, "signature_mismatch");
    await expectNothingWritten(target, payment_id);
    for (const event of [approved, checkoutEvent("payment_captured", { ...data, action_id: `act_${payment_id}_c` }), checkoutEvent("payment_refunded", { ...data, amount: 540, action_id: `act_${payment_id}_r` }), approved]) {
      expect((await sendCheckout(target.url, target.providers, event)).status).toBe(202);
    }
    const view = await pollPayment(target, payment_id, "partially_refunded", (state) => state.status === "partially_refunded");
    expect(view.amounts).toMatchObject({ authorized: 6540, captured: 6540, refunded: 540 });
    expect(view.version).toBe(3);
  });

  context.test("a CloudEvent in structured mode on a standard source is accepted; batched mode is 415", async () => {
    const target = context.target();
    const payment_id = context.paymentId("cloudevent");
    const event = { id: `evt_${payment_id}`, type: "payment.created", payment_id, occurred_at: "2026-11-21T10:00:00Z", data: { amount: 100, currency: "USD", merchant_id: "m_1" } };
    const envelope = { specversion: "1.0", id: "ce-1", source: "/billing", type: "com.example.payment.created", datacontenttype: "application/json", data: event };
    await expectAnswer(await sendSigned(target, envelope, { content_type: "application/cloudevents+json" }), 202, '{"status":"accepted"}');
    await pollPayment(target, payment_id, "created", (view) => view.status === "created");
    const batched = await sendSigned(target, [envelope], { content_type: "application/cloudevents-batch+json" });
    const error = await expectProblem(batched, 415, "unsupported_content_type");
    expect(error.message).toContain("batched mode");
  });
}
