/**
 * The HTTP app (DESIGN.md section 9), built from the interfaces it needs so that both hosts
 * serve the same routes. Status codes are decided here and in the routes, nowhere else.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { errorClass, errorMessage, TransientError } from "../core/errors.ts";
import { adminAuth, adminRoutes } from "./admin-auth.ts";
import { consoleRoutes } from "./console/console-routes.tsx";
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

  app.notFound((c) => problemResponse(c, new HttpProblem(404, "route_not_found", `no route ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    // hono/bearer-auth's refusals carry their JSON problem response already (admin-auth.ts).
    if (error instanceof HTTPException) return error.getResponse();
    const problem = errorProblem(error, c.req.method, c.req.path);
    // The one place webhook refusals are counted, whatever their status.
    if (c.req.method === "POST" && c.req.path.startsWith("/webhooks/")) metrics.rejected.increment(1, { reason: problem.code });
    return problemResponse(c, problem);
  });
  return app;
}

function errorProblem(error: unknown, method: string, path: string): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof TransientError) return new HttpProblem(503, "temporarily_unavailable", errorMessage(error), { "Retry-After": "1" });
  console.error(`unexpected ${errorClass(error)} on ${method} ${path}:`, error);
  return new HttpProblem(500, "internal_error", "an unexpected error occurred; nothing was acknowledged");
}
