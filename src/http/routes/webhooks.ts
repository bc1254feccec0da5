/** POST /webhooks/:source: Standard Webhooks verification, then one durable acceptance. */
import { Hono } from "hono";
import { parseEventBody, readBody } from "../../ingest/read-body.ts";
import { verifyWebhook } from "../../ingest/standard-webhooks.ts";
import type { AppDependencies } from "../ports.ts";
import { HttpProblem } from "../problem.ts";
import type { HttpMetrics } from "./http-metrics.ts";

const OUTCOME_LABELS = { accepted: { outcome: "accepted" }, duplicate: { outcome: "duplicate" } } as const;

export function webhookRoutes(deps: AppDependencies, metrics: HttpMetrics) {
  return new Hono().post("/webhooks/:source", async (c) => {
    const started = deps.now();
    const source = c.req.param("source");
    const secrets = Object.hasOwn(deps.webhook_secrets, source) ? deps.webhook_secrets[source] : undefined;
    if (!secrets) throw new HttpProblem(404, "unknown_source", `no webhook source named "${source}" is configured`);

    const body = await readBody(c.req.raw, deps.body_bytes_max);
    if (!body.ok) throw HttpProblem.of(413, body.error);

    const verified = await verifyWebhook({
      id: c.req.header("webhook-id") ?? null,
      timestamp: c.req.header("webhook-timestamp") ?? null,
      signature: c.req.header("webhook-signature") ?? null,
      body: body.value,
      secrets,
      now_ms: deps.now(),
      hmac: deps.hmac_sha256,
    });
    if (!verified.ok) throw HttpProblem.of(401, verified.error);

    const parsed = parseEventBody(body.value, c.req.header("content-type") ?? null);
    if (!parsed.ok) {
      throw HttpProblem.of(parsed.error.code === "unsupported_content_type" ? 415 : 400, parsed.error);
    }

    const outcome = await deps.actors.accept(parsed.value, {
      kind: "webhook",
      source,
      webhook_id: c.req.header("webhook-id")!,
    });
    if (outcome === "dead_letters_full") {
      metrics.rejected.increment(1, { reason: "dead_letters_full" });
      throw new HttpProblem(
        429,
        "dead_letters_full",
        `payment ${parsed.value.payment_id} has too many dead letters waiting for an operator; replay or discard them (GET /payments/${parsed.value.payment_id}), then retry`,
        { "Retry-After": "60" },
      );
    }
    if (outcome === "inbox_full") {
      metrics.rejected.increment(1, { reason: "inbox_full" });
      throw new HttpProblem(429, "inbox_full", `payment ${parsed.value.payment_id} has too many events waiting; retry later`, {
        "Retry-After": "1",
      });
    }
    if (outcome === "overloaded") {
      metrics.rejected.increment(1, { reason: "overloaded" });
      throw new HttpProblem(503, "overloaded", "too many events are waiting to be processed; retry later", {
        "Retry-After": "1",
      });
    }
    metrics.outcomes.increment(1, OUTCOME_LABELS[outcome]);
    metrics.acceptance_latency.observe(deps.now() - started);
    return c.json({ status: outcome }, 202);
  });
}
