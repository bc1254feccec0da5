/** Per-payment admin routes: inspection, DLQ replay and discard, fraud override. */
import { Hono } from "hono";
import type { AppDependencies } from "../ports.ts";
import { HttpProblem } from "../problem.ts";
import { FRAUD_OVERRIDE_BODY, parseInput } from "../admin-input.ts";
import { readJsonObject } from "./read-json.ts";

export function paymentRoutes(deps: AppDependencies) {
  const notFound = (payment_id: string) =>
    new HttpProblem(404, "payment_not_found", `no payment ${payment_id} has been seen`);

  return new Hono()
    .get("/payments/:id", async (c) => {
      const view = await deps.actors.inspect(c.req.param("id"));
      if (view === null) throw notFound(c.req.param("id"));
      return c.json(view as object);
    })
    .post("/payments/:id/dlq/:eventId/replay", async (c) => {
      const { id, eventId } = c.req.param();
      const outcome = await deps.actors.replay(id, eventId);
      if (outcome === "not_found") throw deadLetterNotFound(id, eventId);
      return c.json({ status: "replaying", payment_id: id, event_id: eventId }, 202);
    })
    .delete("/payments/:id/dlq/:eventId", async (c) => {
      const { id, eventId } = c.req.param();
      const outcome = await deps.actors.discard(id, eventId);
      if (outcome === "not_found") throw deadLetterNotFound(id, eventId);
      return c.json({ status: "discarded", payment_id: id, event_id: eventId });
    })
    .post("/payments/:id/fraud/override", async (c) => {
      const id = c.req.param("id");
      const { decision, note } = parseInput(FRAUD_OVERRIDE_BODY, await readJsonObject(c.req.raw, deps.body_bytes_max, deps.json_limits));
      const outcome = await deps.actors.overrideFraud(id, decision, note);
      if (outcome === "not_found") throw notFound(id);
      return c.json({ status: "overridden", payment_id: id, decision, note });
    });
}

function deadLetterNotFound(payment_id: string, event_id: string) {
  return new HttpProblem(404, "dead_letter_not_found", `payment ${payment_id} has no dead letter for event ${event_id}`);
}
