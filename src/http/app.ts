/**
 * The HTTP app (DESIGN.md section 9), built from the interfaces it needs so that both hosts
 * serve the same routes. Status codes are decided here and in the routes, nowhere else.
 */
import { Hono } from "hono";
import { errorClass, errorMessage, TransientError } from "../core/errors.ts";
import { StorageFullError } from "../core/storage-full.ts";
import { adminAuth } from "./admin-auth.ts";
import { isClientDisconnect } from "./client-disconnect.ts";
import { allowedMethods } from "./method-not-allowed.ts";
import type { AppDependencies } from "./ports.ts";
import { HttpProblem, problemResponse } from "./problem.ts";
import { acrossPaymentRoutes } from "./routes/across-payments.ts";
import { httpMetrics } from "./routes/http-metrics.ts";
import { kafkaConsumerRoutes } from "./routes/kafka-consumers.ts";
import { operationRoutes } from "./routes/operations.ts";
import { paymentRoutes } from "./routes/payments.ts";
import { webhookRoutes } from "./routes/webhooks.ts";

export function createApp(deps: AppDependencies) {
  const metrics = httpMetrics(deps.metrics);
  const app = new Hono();
  const admin = adminAuth(deps.admin_token);
  for (const path of ["/payments/*", "/dlq", "/dlq/*", "/ledger/*", "/kafka/*"]) app.use(path, admin);

  app.route("/", webhookRoutes(deps, metrics));
  app.route("/", paymentRoutes(deps));
  app.route("/", acrossPaymentRoutes(deps));
  app.route("/", operationRoutes(deps));
  app.route("/", kafkaConsumerRoutes(deps));

  app.notFound((c) => {
    const allow = allowedMethods(app.routes, c.req.path);
    if (allow.length > 0) {
      return problemResponse(c, new HttpProblem(405, "method_not_allowed", `${c.req.path} does not serve ${c.req.method}; it serves ${allow.join(", ")}`, { Allow: allow.join(", ") }));
    }
    return problemResponse(c, new HttpProblem(404, "route_not_found", `no route ${c.req.method} ${c.req.path}`));
  });
  app.onError((error, c) => {
    if (error instanceof HttpProblem) {
      if (error.status < 500 && c.req.path.startsWith("/webhooks/")) {
        metrics.rejected.increment(1, { reason: error.code });
      }
      return problemResponse(c, error);
    }
    if (error instanceof StorageFullError) {
      return problemResponse(c, new HttpProblem(503, "storage_full", errorMessage(error), { "Retry-After": String(error.retry_after_s) }));
    }
    if (error instanceof TransientError) {
      return problemResponse(c, new HttpProblem(503, "temporarily_unavailable", errorMessage(error), { "Retry-After": "1" }));
    }
    if (isClientDisconnect(error, c.req.raw)) {
      metrics.client_disconnects.increment(1);
      console.warn(`client went away during ${c.req.method} ${c.req.path}; nothing was acknowledged to it`);
      return problemResponse(c, new HttpProblem(400, "client_disconnected", "the client closed the request before it was read"));
    }
    console.error(`unexpected ${errorClass(error)} on ${c.req.method} ${c.req.path}:`, error);
    return problemResponse(c, new HttpProblem(500, "internal_error", "an unexpected error occurred; nothing was acknowledged"));
  });
  return app;
}
