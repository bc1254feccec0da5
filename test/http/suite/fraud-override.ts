/** POST /payments/:id/fraud/override: an operator's decision replaces the rules' decision. */
import { expect } from "bun:test";
import { event } from "../../support/events.ts";
import { expectProblem, pollPayment, request, sendEvents, type HttpSuiteContext } from "./context.ts";

export function fraudOverrideCases(context: HttpSuiteContext): void {
  const createdPayment = async (name: string) => {
    const payment_id = context.paymentId(name);
    await sendEvents(context.target(), [event("payment.created", payment_id, { amount: 2500 })]);
    await pollPayment(context.target(), payment_id, "created", (payment) => payment.version === 1);
    return payment_id;
  };

  context.test("an operator's fraud override answers 200 and shows on the payment as an override", async () => {
    const target = context.target();
    const payment_id = await createdPayment("fraud-override");
    const response = await request(target, "POST", `/payments/${payment_id}/fraud/override`, { body: { decision: "allow", note: "x" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "overridden", payment_id, decision: "allow", note: "x" });
    const view = await pollPayment(target, payment_id, "the override", (payment) => payment.fraud?.origin === "override");
    expect(view.fraud).toMatchObject({ decision: "allow", origin: "override", note: "x" });
    expect(view.version).toBe(1);
  });

  context.test("an invalid fraud override is refused with 400 and changes nothing", async () => {
    const target = context.target();
    const payment_id = await createdPayment("fraud-override-invalid");
    const path = `/payments/${payment_id}/fraud/override`;
    for (const body of [{ decision: "maybe" }, { note: "no decision" }, { decision: "ALLOW" }, { decision: "allow", note: 7 }, { decision: "allow", note: "n".repeat(1001) }]) {
      const error = await expectProblem(await request(target, "POST", path, { body }), 400);
      expect({ body, code: error.code }).toEqual({ body, code: "invalid_field" });
    }
    await expectProblem(await request(target, "POST", path, { body: "{not json" }), 400, "malformed_json");
    await expectProblem(await request(target, "POST", path, { body: "[]" }), 400);
    await expectProblem(
      await request(target, "POST", path, { body: { decision: "allow" }, headers: { "content-type": "text/plain" } }),
      415,
      "unsupported_content_type",
    );
    const view = await pollPayment(target, payment_id, "unchanged", () => true);
    expect(view.fraud.origin).toBe("rules");
  });

  context.test("a payment blocked by an operator dead-letters money-moving events until an override allows them to be replayed", async () => {
    const target = context.target();
    const payment_id = await createdPayment("blocked-by-operator");
    const override = (decision: string) => request(target, "POST", `/payments/${payment_id}/fraud/override`, { body: { decision, note: `set to ${decision}` } });
    const blocked = await override("block");
    expect(blocked.status).toBe(200);
    await blocked.body?.cancel();
    await pollPayment(target, payment_id, "blocked", (payment) => payment.status === "blocked");

    const authorization = event("payment.authorized", payment_id, { amount: 2500 });
    await sendEvents(target, [authorization]);
    const refused = await pollPayment(target, payment_id, "the authorization dead-lettered", (payment) => payment.dead_letters.length === 1);
    expect(refused.dead_letters[0]).toMatchObject({ event_id: authorization.id, reason: "payment_blocked", stage: "fraud" });
    expect(refused.version).toBe(1);
    expect(refused.status).toBe("blocked");

    const allowed = await override("allow");
    expect(allowed.status).toBe(200);
    await allowed.body?.cancel();
    const unblocked = await pollPayment(target, payment_id, "unblocked", (payment) => payment.status === "created");
    expect(unblocked.fraud).toMatchObject({ decision: "allow", origin: "override", note: "set to allow" });
    const replay = await request(target, "POST", `/payments/${payment_id}/dlq/${authorization.id}/replay`);
    expect(replay.status).toBe(202);
    await replay.body?.cancel();
    const view = await pollPayment(target, payment_id, "the replayed authorization applied", (payment) => payment.version === 2);
    expect(view.status).toBe("authorized");
    expect(view.amounts).toMatchObject({ authorized: 2500 });
    expect(view.dead_letters).toEqual([]);
  });

  context.test("a fraud override for a payment never seen answers 404", async () => {
    const response = await request(context.target(), "POST", `/payments/${context.paymentId("override-unknown")}/fraud/override`, {
      body: { decision: "allow", note: "x" },
    });
    await expectProblem(response, 404, "payment_not_found");
  });
}
