/**
 * The DLQ over HTTP: a dead letter's context on GET /payments/:id, the list across payments
 * on GET /dlq (from Postgres, so it appears once flushed), replay and discard.
 */
import { expect } from "bun:test";
import { event } from "../../support/events.ts";
import { adminJson, expectProblem, poll, pollPayment, request, sendEvents, type HttpSuiteContext, type Json } from "./context.ts";

export function deadLetterCases(context: HttpSuiteContext): void {
  /** Authorizes 5000, then captures 9000: a capture above the authorized amount can never apply. */
  const deadLetteredCapture = async (name: string) => {
    const target = context.target();
    const payment_id = context.paymentId(name);
    const capture = event("payment.captured", payment_id, { amount: 9000, fee: 10 });
    await sendEvents(target, [
      event("payment.created", payment_id, { amount: 5000 }),
      event("payment.authorized", payment_id, { amount: 5000 }),
      capture,
    ]);
    const view = await pollPayment(target, payment_id, "one dead letter", (payment) => payment.dead_letters.length === 1);
    return { payment_id, capture, view, letter: view.dead_letters[0] as Json };
  };

  const listed = async (query: string, event_id: string) => {
    const body = await adminJson(context.target(), `/dlq${query}`);
    expect(body.count).toBe(body.dead_letters.length);
    return (body.dead_letters as Json[]).filter((letter) => letter.event_id === event_id);
  };

  context.test("an event that can never apply is dead-lettered with its reason, stage, error and attempts", async () => {
    const { capture, view, letter } = await deadLetteredCapture("dead-letter");
    expect(letter.event_id).toBe(capture.id);
    expect(letter.reason).toBe("amount_exceeds_authorized");
    expect(letter.stage).toBe("state_machine");
    expect(letter.error).toEqual({ class: expect.any(String), message: expect.stringContaining("9000") });
    expect(Number.isInteger(letter.attempts)).toBe(true);
    expect(letter.attempts).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(letter.first_failed_at))).toBe(false);
    expect(Number.isNaN(Date.parse(letter.last_failed_at))).toBe(false);
    // The payment itself is untouched by the refused capture.
    expect(view.status).toBe("authorized");
    expect(view.version).toBe(2);
    expect(view.amounts).toMatchObject({ authorized: 5000, captured: 0 });
  });

  context.test("a refund on a failed payment is dead-lettered as an invalid transition", async () => {
    const target = context.target();
    const payment_id = context.paymentId("refund-after-failure");
    const refund = event("payment.refunded", payment_id, { amount: 100 });
    await sendEvents(target, [
      event("payment.created", payment_id, { amount: 5000 }),
      event("payment.failed", payment_id, {}),
      refund,
    ]);
    const view = await pollPayment(target, payment_id, "one dead letter", (payment) => payment.dead_letters.length === 1);
    expect(view.status).toBe("failed");
    expect(view.dead_letters[0]).toMatchObject({ event_id: refund.id, reason: "invalid_transition", stage: "state_machine" });
  });

  context.test("GET /dlq lists a dead letter once it is flushed to Postgres, and its filters narrow the list", async () => {
    const { payment_id, capture } = await deadLetteredCapture("dlq-list");
    const rows = await poll("the dead letter in GET /dlq", () => listed("?reason=amount_exceeds_authorized", capture.id), (found) => found.length > 0);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      payment_id,
      event_id: capture.id,
      reason: "amount_exceeds_authorized",
      stage: "state_machine",
      status: "pending",
      attempts: expect.any(Number),
    });
    expect(await listed("", capture.id)).toHaveLength(1);
    expect(await listed("?reason=invalid_transition", capture.id)).toHaveLength(0);
    expect(await listed("?since=2000-01-01", capture.id)).toHaveLength(1);
    const in_a_minute = new Date(Date.now() + 60_000).toISOString();
    expect(await listed(`?since=${encodeURIComponent(in_a_minute)}`, capture.id)).toHaveLength(0);
    expect(await listed("?status=pending", capture.id)).toHaveLength(1);
    expect(await listed("?status=discarded", capture.id)).toHaveLength(0);
    const limited = await adminJson(context.target(), "/dlq?limit=1");
    expect(limited.dead_letters.length).toBe(1);
    expect(limited.count).toBe(1);
  });

  context.test("GET /dlq refuses a bad filter with 400", async () => {
    for (const query of ["limit=0", "limit=1001", "limit=ten", "limit=1.5", "since=yesterday", "since=2026-13-45", "reason=Not-A-Reason", "status=lost"]) {
      const response = await request(context.target(), "GET", `/dlq?${query}`);
      const error = await expectProblem(response, 400);
      expect({ query, code: error.code }).toEqual({ query, code: "invalid_field" });
      expect(error.message).toContain(query.split("=")[0]!);
    }
  });

  context.test("replaying a dead letter sends it through again, and it dead-letters again with the same reason", async () => {
    const target = context.target();
    const { payment_id, capture, letter } = await deadLetteredCapture("replay-again");
    const response = await request(target, "POST", `/payments/${payment_id}/dlq/${capture.id}/replay`);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: "replaying", payment_id, event_id: capture.id });
    const view = await pollPayment(target, payment_id, "the replayed capture dead-lettered again", (payment) =>
      payment.dead_letters.some((again: Json) => again.event_id === capture.id && again.last_failed_at !== letter.last_failed_at),
    );
    expect(view.dead_letters).toHaveLength(1);
    expect(view.dead_letters[0]).toMatchObject({ event_id: capture.id, reason: "amount_exceeds_authorized", stage: "state_machine" });
    expect(view.version).toBe(2);
    expect(view.status).toBe("authorized");
  });

  context.test("a dead letter replayed once the payment can take it is applied", async () => {
    const target = context.target();
    const payment_id = context.paymentId("replay-applies");
    // A capture before any authorization waits for it; past HOLD_TIMEOUT_MS it goes to the DLQ.
    const capture = event("payment.captured", payment_id, { amount: 4000, fee: 100 });
    await sendEvents(target, [event("payment.created", payment_id, { amount: 5000 }), capture]);
    const held = await pollPayment(target, payment_id, "the capture held", (payment) => payment.held.length === 1 || payment.dead_letters.length === 1);
    if (held.held.length === 1) expect(held.held[0]).toMatchObject({ id: capture.id, reason: "waiting_for_status" });
    const wait_ms = target.hold_timeout_ms + 10_000;
    const timed_out = await pollPayment(target, payment_id, "the held capture timed out", (payment) => payment.dead_letters.length === 1, wait_ms);
    expect(timed_out.dead_letters[0]).toMatchObject({ event_id: capture.id, reason: "out_of_order_timeout", stage: "ordering" });
    expect(timed_out.held).toEqual([]);

    await sendEvents(target, [event("payment.authorized", payment_id, { amount: 5000 })]);
    await pollPayment(target, payment_id, "authorized", (payment) => payment.version === 2);
    const response = await request(target, "POST", `/payments/${payment_id}/dlq/${capture.id}/replay`);
    expect(response.status).toBe(202);
    await response.body?.cancel();
    const view = await pollPayment(target, payment_id, "the replayed capture applied", (payment) => payment.version === 3);
    expect(view.status).toBe("captured");
    expect(view.amounts).toMatchObject({ authorized: 5000, captured: 4000 });
    expect(view.dead_letters).toEqual([]);
    expect(view.events.map((applied: Json) => applied.id).at(-1)).toBe(capture.id);
    const rows = await poll("the dead letter marked replayed in GET /dlq", () => listed("?reason=out_of_order_timeout", capture.id), (found) => found[0]?.status === "replayed");
    expect(rows).toHaveLength(1);
  }, 60_000);

  context.test("discarding a dead letter removes it from the payment and marks it discarded in GET /dlq", async () => {
    const target = context.target();
    const { payment_id, capture } = await deadLetteredCapture("discard");
    await poll("the dead letter in GET /dlq", () => listed("", capture.id), (found) => found.length === 1);
    const response = await request(target, "DELETE", `/payments/${payment_id}/dlq/${capture.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "discarded", payment_id, event_id: capture.id });
    const view = await pollPayment(target, payment_id, "no dead letters", (payment) => payment.dead_letters.length === 0);
    expect(view.version).toBe(2);
    const rows = await poll("the dead letter marked discarded", () => listed("", capture.id), (found) => found[0]?.status === "discarded");
    expect(rows).toHaveLength(1);
    await expectProblem(await request(target, "DELETE", `/payments/${payment_id}/dlq/${capture.id}`), 404, "dead_letter_not_found");
  });

  context.test("replaying or discarding a dead letter that does not exist answers 404", async () => {
    const target = context.target();
    const payment_id = context.paymentId("no-dead-letter");
    await sendEvents(target, [event("payment.created", payment_id, { amount: 5000 })]);
    await pollPayment(target, payment_id, "created", (payment) => payment.version === 1);
    const unknown_payment = context.paymentId("never-seen-dlq");
    for (const id of [payment_id, unknown_payment]) {
      await expectProblem(await request(target, "POST", `/payments/${id}/dlq/evt_missing/replay`), 404, "dead_letter_not_found");
      await expectProblem(await request(target, "DELETE", `/payments/${id}/dlq/evt_missing`), 404, "dead_letter_not_found");
    }
    expect((await request(target, "GET", `/payments/${unknown_payment}`)).status).toBe(404);
  });
}
