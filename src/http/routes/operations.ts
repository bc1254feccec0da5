/** GET /health (liveness and dependency checks) and GET /metrics (Prometheus text). */
import { Hono } from "hono";
import { errorMessage } from "../../core/errors.ts";
import type { AppDependencies } from "../ports.ts";

/** A dependency that does not answer is failing; /health itself answers within 1 s. */
const HEALTH_CHECK_TIMEOUT_MS_DEFAULT = 900;

function withTimeout<T>(work: Promise<T>, timeout_ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeout_ms} ms`)), timeout_ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

export function operationRoutes(deps: AppDependencies) {
  const timeout_ms = deps.health_check_timeout_ms ?? HEALTH_CHECK_TIMEOUT_MS_DEFAULT;
  return new Hono()
    .get("/health", async (c) => {
      const checks: Record<string, { status: "ok" | "failing"; [detail: string]: unknown }> = {};
      await Promise.all(
        deps.health_checks.map(async (health) => {
          try {
            checks[health.name] = { status: "ok", ...((await withTimeout(health.check(), timeout_ms)) ?? {}) };
          } catch (error) {
            checks[health.name] = { status: "failing", error: errorMessage(error) };
          }
        }),
      );
      const healthy = Object.values(checks).every((check) => check.status === "ok");
      return c.json({ status: healthy ? "ok" : "degraded", checks }, healthy ? 200 : 503);
    })
    .get("/metrics", async (c) => {
      const elsewhere = await Promise.all((deps.metrics_elsewhere ?? []).map((render) => render()));
      return c.body(deps.metrics.render() + elsewhere.join(""), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    });
}
