/** Standard Webhooks signatures on POST /webhooks/:source (DESIGN.md section 9). */
import { expect } from "bun:test";
import { event } from "../../support/events.ts";
import { randomWebhookSecret, sendSigned, signatureOf } from "../../support/http-target.ts";
import { expectNothingWritten, expectProblem, pollPayment, type HttpSuiteContext } from "./context.ts";

const TOLERANCE_S = 300;

export function signatureCases(context: HttpSuiteContext): void {
  const created = (name: string) => event("payment.created", context.paymentId(name), { amount: 1500 });
  const nowS = () => Math.floor(Date.now() / 1000);

  context.test("a correctly signed event is accepted with 202", async () => {
    const body = created("signed");
    const response = await sendSigned(context.target(), body);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: "accepted" });
    const view = await pollPayment(context.target(), body.payment_id, "version 1", (payment) => payment.version === 1);
    expect(view.status).toBe("created");
  });

  context.test("the same delivery sent again is acknowledged as a duplicate and changes nothing", async () => {
    const target = context.target();
    const body = created("redelivered");
    const id = `msg_${crypto.randomUUID()}`;
    expect((await sendSigned(target, body, { id })).status).toBe(202);
    const again = await sendSigned(target, body, { id, timestamp_s: nowS() - 5 });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ status: "duplicate" });
    // The event id is the idempotency key, whatever webhook-id a sender puts on a retry.
    const other_delivery = await sendSigned(target, body);
    expect(await other_delivery.json()).toEqual({ status: "duplicate" });
    const view = await pollPayment(target, body.payment_id, "version 1", (payment) => payment.version === 1);
    expect(view.events.map((applied: { id: string }) => applied.id)).toEqual([body.id]);
  });

  context.test("a body changed after signing is refused with 401", async () => {
    const body = created("tampered");
    const tampered = JSON.stringify({ ...body, data: { ...body.data, amount: 1 } });
    const response = await sendSigned(context.target(), body, { sent_body: tampered });
    await expectProblem(response, 401, "signature_mismatch");
    await expectNothingWritten(context.target(), body.payment_id);
  });

  context.test("a signature under a secret the source does not have is refused with 401", async () => {
    const body = created("wrong-secret");
    const response = await sendSigned(context.target(), body, { secret: randomWebhookSecret() });
    await expectProblem(response, 401, "signature_mismatch");
    await expectNothingWritten(context.target(), body.payment_id);
  });

  context.test("during a rotation, a signature under either of the source's secrets is accepted", async () => {
    const target = context.target();
    const previous = target.webhook_secret_previous!;
    for (const [name, secret] of [["rotated-first", previous], ["rotated-second", target.webhook_secret]] as const) {
      const response = await sendSigned(target, created(name), { secret });
      expect({ name, status: response.status, body: await response.json() }).toEqual({ name, status: 202, body: { status: "accepted" } });
    }
  });

  context.test("a header with several signatures is accepted when any one of them matches", async () => {
    const target = context.target();
    const body = created("two-signatures");
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const id = `msg_${crypto.randomUUID()}`;
    const timestamp_s = nowS();
    const wrong = await signatureOf(randomWebhookSecret(), id, timestamp_s, bytes);
    const right = await signatureOf(target.webhook_secret, id, timestamp_s, bytes);
    const response = await sendSigned(target, bytes, { id, timestamp_s, signature: `${wrong} ${right}` });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: "accepted" });
  });

  context.test("a header whose signatures all fail to match is refused with 401", async () => {
    const target = context.target();
    const body = created("no-signature-matches");
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const id = `msg_${crypto.randomUUID()}`;
    const timestamp_s = nowS();
    const first = await signatureOf(randomWebhookSecret(), id, timestamp_s, bytes);
    const second = await signatureOf(randomWebhookSecret(), id, timestamp_s, bytes);
    await expectProblem(await sendSigned(target, bytes, { id, timestamp_s, signature: `${first} ${second}` }), 401, "signature_mismatch");
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("a timestamp older than the 300 s tolerance is refused with 401, even correctly signed", async () => {
    const body = created("expired");
    const response = await sendSigned(context.target(), body, { timestamp_s: nowS() - TOLERANCE_S - 60 });
    const error = await expectProblem(response, 401, "timestamp_out_of_tolerance");
    expect(error.message).toContain("stale");
    await expectNothingWritten(context.target(), body.payment_id);
  });

  context.test("a timestamp more than 300 s in the future is refused with 401, even correctly signed", async () => {
    const body = created("future");
    const response = await sendSigned(context.target(), body, { timestamp_s: nowS() + TOLERANCE_S + 60 });
    const error = await expectProblem(response, 401, "timestamp_out_of_tolerance");
    expect(error.message).toContain("future");
    await expectNothingWritten(context.target(), body.payment_id);
  });

  context.test("a timestamp that is not unix seconds is refused with 401", async () => {
    const target = context.target();
    const body = created("timestamp-format");
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const id = `msg_${crypto.randomUUID()}`;
    const signature = await signatureOf(target.webhook_secret, id, nowS(), bytes);
    const response = await fetch(`${target.url}/webhooks/dev`, {
      method: "POST",
      headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": new Date().toISOString(), "webhook-signature": signature },
      body: bytes,
    });
    await expectProblem(response, 401, "malformed_timestamp");
    await expectNothingWritten(target, body.payment_id);
  });

  context.test("a malformed signature header is refused with 401", async () => {
    const target = context.target();
    for (const [index, signature] of ["garbage", "v1,not*base64", "v1,c2hvcnQ=", "v2,AAAA", "v1"].entries()) {
      const body = created(`malformed-signature-${index}`);
      const response = await sendSigned(target, body, { signature });
      const error = await expectProblem(response, 401);
      expect({ signature, code: error.code }).toEqual({ signature, code: "malformed_signature" });
      await expectNothingWritten(target, body.payment_id);
    }
  });

  context.test("a delivery missing any of the three signature headers is refused with 401", async () => {
    const target = context.target();
    for (const header of ["webhook-id", "webhook-timestamp", "webhook-signature"] as const) {
      const body = created(`missing-${header}`);
      const response = await sendSigned(target, body, { omit: [header] });
      const error = await expectProblem(response, 401, "missing_signature_headers");
      expect(error.message).toContain(header);
      await expectNothingWritten(target, body.payment_id);
    }
  });

  context.test("a webhook for a source that is not configured answers 404", async () => {
    const body = created("unknown-source");
    const response = await sendSigned(context.target(), body, { source: "no-such-source" });
    const error = await expectProblem(response, 404, "unknown_source");
    expect(error.message).toContain("no-such-source");
    // Names every JavaScript object has are sources too, unless looked up with care.
    for (const source of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const inherited = await sendSigned(context.target(), body, { source });
      const problem = await expectProblem(inherited, 404);
      expect({ source, code: problem.code }).toEqual({ source, code: "unknown_source" });
    }
    await expectNothingWritten(context.target(), body.payment_id);
  });
}
