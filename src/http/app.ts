/**
 * The HTTP app (DESIGN.md section 9), built from the interfaces it needs so that both hosts
 * serve the same routes. Status codes are decided here and in the routes, nowhere else.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { errorClass, errorMessage, TransientError } from "../core/errors.ts";
import { StorageFullError } from "../core/storage-full.ts";
import { adminAuth, adminRoutes } from "./admin-auth.ts";
import { isClientDisconnect } from "./client-disconnect.ts";
import { consoleRoutes } from "./console/console-routes.tsx";
import { allowedMethods } from "./method-not-allowed.ts";
import { OPENAPI_DOCUMENT } from "./openapi/openapi-document.ts";
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
  const webhooks = webhookRoutes(deps);

  app.route("/", webhooks.receive);
  app.route("/", operationRoutes(deps));
  app.route(
    "/",
    adminRoutes(adminAuth(deps.admin_token), webhooks.admin, paymentRoutes(deps), acrossPaymentRoutes(deps), kafkaConsumerRoutes(deps)),
  );
  app.get("/openapi.json", (c) => c.json(OPENAPI_DOCUMENT));
  app.route("/console", consoleRoutes(deps, (request) => Promise.resolve(app.fetch(request))));

  app.notFound((c) => {
    const allow = allowedMethods(app.routes, c.req.path);
    if (allow.length > 0) {
      return problemResponse(c, new HttpProblem(405, "method_not_allowed", `${c.req.path} does not serve ${c.req.method}; it serves ${allow.join(", ")}`, { Allow: allow.join(", ") }));
    }
    return problemResponse(c, new HttpProblem(404, "route_not_found", `no route ${c.req.method} ${c.req.path}`));
  });
  app.onError((error, c) => {
    // hono/bearer-auth's refusals carry their JSON problem response already (admin-auth.ts).
    if (error instanceof HTTPException) return error.getResponse();
    // A problem the app chose is its answer; only an unexplained failure may be the client's leaving.
    if (!(error instanceof HttpProblem) && isClientDisconnect(error, c.req.raw)) {
      metrics.client_disconnects.increment(1);
      console.warn(`client went away during ${c.req.method} ${c.req.path}; nothing was acknowledged to it`);
      return problemResponse(c, new HttpProblem(400, "client_disconnected", "the client closed the request before it was read"));
    }
    const problem = errorProblem(error, c.req.method, c.req.path);
    // The one place webhook refusals are counted, whatever their status.
    if (c.req.method === "POST" && c.req.path.startsWith("/webhooks/")) metrics.rejected.increment(1, rejectionLabels(problem.code));
    return problemResponse(c, problem);
  });
  return app;
}

/** One label object per reason, so the registry computes each label key once. */
const rejection_labels = new Map<string, { reason: string }>();
function rejectionLabels(reason: string): { reason: string } {
  let labels = rejection_labels.get(reason);
  if (labels === undefined) rejection_labels.set(reason, (labels = { reason }));
  return labels;
}

function errorProblem(error: unknown, method: string, path: string): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof StorageFullError) {
    return new HttpProblem(503, "storage_full", errorMessage(error), { "Retry-After": String(error.retry_after_s) });
  }
  if (error instanceof TransientError) return new HttpProblem(503, "temporarily_unavailable", errorMessage(error), { "Retry-After": "1" });
  console.error(`unexpected ${errorClass(error)} on ${method} ${path}:`, error);
  return new HttpProblem(500, "internal_error", "an unexpected error occurred; nothing was acknowledged");
}
