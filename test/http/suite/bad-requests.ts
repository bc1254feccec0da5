/**
 * Bad input on POST /webhooks/:source: a clear 4xx with `{"error":{"code","message"}}` naming
 * the problem, nothing written, and a host that goes on answering (DESIGN.md section 9).
 * Every body here is correctly signed, so the refusal is about the body alone.
 */
import { expect } from "bun:test";
import type { PaymentEvent } from "../../../src/core/event.ts";
import { event } from "../../support/events.ts";
import { REQUEST_TIMEOUT_MS, sendSigned, signatureOf, WEBHOOK_SOURCE } from "../../support/http-target.ts";
import { expectNothingWritten, expectProblem, pollPayment, type HttpSuiteContext } from "./context.ts";

const encoder = new TextEncoder();

export function badRequestCases(context: HttpSuiteContext): void {
  const created = (name: string, data: PaymentEvent["data"] = {}) =>
    event("payment.created", context.paymentId(name), { amount: 1500, ...data });

  /**
   * A created event padded with an unknown data field to exactly `bytes` bytes of JSON (strings
   * of at most 8,000 characters, below the JSON string length limit).
   */
  const paddedTo = (name: string, bytes: number) => {
    const body = created(name, { padding: [] as string[] });
    const padding = body.data.padding as string[];
    for (;;) {
      const missing = bytes - encoder.encode(JSON.stringify(body)).length;
      if (missing <= 8_003) {
        padding.push("x".repeat(missing - (padding.length > 0 ? 3 : 2)));
        break;
      }
      padding.push("x".repeat(8_000));
    }
    const text = JSON.stringify(body);
    expect(encoder.encode(text).length).toBe(bytes);
    return { body, text };
  };

  context.test("a body of exactly BODY_BYTES_MAX bytes is accepted", async () => {
    const target = context.target();
    const { body, text } = paddedTo("body-at-limit", target.body_bytes_max);
    const response = await sendSigned(target, text);
    expect({ status: response.status, body: await response.text() }).toEqual({ status: 202, body: '{"status":"accepted"}' });
    await pollPayment(target, body.payment_id, "version 1", (payment) => payment.version === 1);
  });

  context.test("a body over BODY_BYTES_MAX with a Content-Length is refused with 413", async () => {
    const target = context.target();
    const { body, text } = paddedTo("body-over-limit", target.body_bytes_max + 1);
    const response = await sendSigned(target, text);
    const error = await expectProblem(response, 413, "body_too_large");
    expect(error.message).toContain(String(target.body_bytes_max));
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("a chunked body over BODY_BYTES_MAX without a Content-Length is refused with 413", async () => {
    const target = context.target();
    const { body, text } = paddedTo("chunked-over-limit", target.body_bytes_max + 4096);
    const bytes = encoder.encode(text);
    const id = `msg_${crypto.randomUUID()}`;
    const timestamp_s = Math.floor(Date.now() / 1000);
    const signature = await signatureOf(target.webhook_secret, id, timestamp_s, bytes);
    const chunk_bytes = 8192;
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + chunk_bytes));
        offset += chunk_bytes;
      },
    });
    const response = await fetch(`${target.url}/webhooks/${WEBHOOK_SOURCE}`, {
      method: "POST",
      headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(timestamp_s), "webhook-signature": signature },
      body: stream,
      duplex: "half",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    } as RequestInit);
    await expectProblem(response, 413, "body_too_large");
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("a body that is not application/json is refused with 415", async () => {
    const target = context.target();
    for (const [index, content_type] of ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", null].entries()) {
      const body = created(`content-type-${index}`);
      const response = await sendSigned(target, body, { content_type });
      const error = await expectProblem(response, 415);
      expect({ content_type, code: error.code }).toEqual({ content_type, code: "unsupported_content_type" });
      await expectNothingWritten(target, body.payment_id);
    }
  });

  context.test("application/json with a utf-8 charset parameter is accepted", async () => {
    const response = await sendSigned(context.target(), created("charset-utf8"), { content_type: "application/json; charset=UTF-8" });
    expect(response.status).toBe(202);
    await response.body?.cancel();
  });

  context.test("malformed JSON is refused with 400", async () => {
    const target = context.target();
    const body = created("malformed-json");
    const response = await sendSigned(target, JSON.stringify(body).slice(0, -2));
    await expectProblem(response, 400, "malformed_json");
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("a body that is not valid UTF-8 is refused with 400", async () => {
    const target = context.target();
    const body = created("invalid-utf8", { merchant_id: "MARK" });
    const [before, after] = JSON.stringify(body).split("MARK") as [string, string];
    const bytes = new Uint8Array([...encoder.encode(before), 0xc3, 0x28, 0xff, ...encoder.encode(after)]);
    const response = await sendSigned(target, bytes);
    await expectProblem(response, 400, "invalid_utf8");
    await expectNothingWritten(target, body.payment_id);
  });

  const invalidEvents: Array<{ name: string; code: string; mentions: string; make: () => object & { payment_id?: string } }> = [
    { name: "an unknown event type", code: "unknown_event_type", mentions: "payment.exploded", make: () => ({ ...created("unknown-type"), type: "payment.exploded" }) },
    { name: "a negative amount", code: "invalid_amount", mentions: "data.amount", make: () => created("negative-amount", { amount: -100 }) },
    { name: "a fractional amount", code: "invalid_amount", mentions: "data.amount", make: () => created("fractional-amount", { amount: 10.5 }) },
    { name: "an amount given as a string", code: "invalid_amount", mentions: "data.amount", make: () => created("string-amount", { amount: "1500" as unknown as number }) },
    { name: "an unknown currency", code: "invalid_currency", mentions: "data.currency", make: () => created("unknown-currency", { currency: "XYZ" }) },
    { name: "a lower-case currency", code: "invalid_currency", mentions: "data.currency", make: () => created("lower-case-currency", { currency: "usd" }) },
    {
      name: "a fee above the amount",
      code: "invalid_fee",
      mentions: "data.fee",
      make: () => event("payment.captured", context.paymentId("fee-above-amount"), { amount: 100, fee: 101 }),
    },
    {
      name: "a missing payment_id",
      code: "missing_field",
      mentions: "payment_id",
      make: () => {
        const { payment_id: _payment_id, ...rest } = created("missing-payment-id");
        return rest;
      },
    },
    { name: "a missing amount on a created event", code: "missing_field", mentions: "data.amount", make: () => created("missing-amount", { amount: undefined }) },
    { name: "an occurred_at without a time zone", code: "invalid_field", mentions: "occurred_at", make: () => ({ ...created("no-time-zone"), occurred_at: "2026-11-21T10:00:00" }) },
    { name: "a JSON array instead of an object", code: "invalid_event", mentions: "object", make: () => [created("array-body")] },
  ];

  for (const invalid of invalidEvents) {
    context.test(`an event with ${invalid.name} is refused with 400 naming the problem`, async () => {
      const target = context.target();
      const body = invalid.make();
      const response = await sendSigned(target, body);
      const error = await expectProblem(response, 400, invalid.code);
      expect(error.message).toContain(invalid.mentions);
      await expectNothingWritten(target, typeof body.payment_id === "string" ? body.payment_id : null);
    });
  }
}
