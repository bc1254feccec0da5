/**
 * The HTTP app (DESIGN.md section 9), built from the interfaces it needs so that both hosts
 * serve the same routes. Status codes are decided here and in the routes, nowhere else.
 */
import { Hono } from "hono";
import { errorClass, errorMessage, TransientError } from "../core/errors.ts";
import { adminAuth } from "./admin-auth.ts";
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
  const admin = adminAuth(deps.admin_token);
  for (const path of ["/payments/*", "/dlq", "/dlq/*", "/ledger/*", "/kafka/*"]) app.use(path, admin);

  app.route("/", webhookRoutes(deps, metrics));
  app.route("/", paymentRoutes(deps));
  app.route("/", acrossPaymentRoutes(deps));
  app.route("/", operationRoutes(deps));
  app.route("/", kafkaConsumerRoutes(deps));
  app.get("/openapi.json", (c) => c.json(OPENAPI_DOCUMENT));
  app.route("/console", consoleRoutes(deps, (request) => Promise.resolve(app.fetch(request))));

  app.notFound((c) => problemResponse(c, new HttpProblem(404, "route_not_found", `no route ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    if (error instanceof HttpProblem) {
      if (error.status < 500 && c.req.path.startsWith("/webhooks/")) {
        metrics.rejected.increment(1, { reason: error.code });
      }
      return problemResponse(c, error);
    }
    if (error instanceof TransientError) {
      return problemResponse(c, new HttpProblem(503, "temporarily_unavailable", errorMessage(error), { "Retry-After": "1" }));
    }
    console.error(`unexpected ${errorClass(error)} on ${c.req.method} ${c.req.path}:`, error);
    return problemResponse(c, new HttpProblem(500, "internal_error", "an unexpected error occurred; nothing was acknowledged"));
  });
  return app;
}
