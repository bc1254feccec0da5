/** GET /health through `app.request`: a cheap liveness answer plus time-boxed dependency checks. */
import { expect, test } from "bun:test";
import { testApp } from "../support/app-ports.ts";

type Health = { status: string; checks: Record<string, { status: string; [detail: string]: unknown }> };

test("healthy checks answer 200 with their details", async () => {
  const { app, health_checks } = testApp();
  health_checks.push({ name: "postgres", check: async () => ({ driver: "pglite" }) });
  const response = await app.request("/health");
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", checks: { postgres: { status: "ok", driver: "pglite" } } });
});

test("a failing check makes /health degraded (503), naming it, while the others still report", async () => {
  const { app, health_checks } = testApp();
  health_checks.push({ name: "postgres", check: async () => ({ driver: "postgres" }) }, { name: "redis", check: async () => { throw new Error("connection refused"); } });
  const response = await app.request("/health");
  expect(response.status).toBe(503);
  expect((await response.json()) as Health).toEqual({
    status: "degraded",
    checks: { postgres: { status: "ok", driver: "postgres" }, redis: { status: "failing", error: "connection refused" } },
  });
});

test("a check that never answers is failing once its time box ends, and /health still answers", async () => {
  const { app, health_checks } = testApp({ health_check_timeout_ms: 1 });
  health_checks.push({ name: "postgres", check: () => new Promise(() => {}) });
  const response = await app.request("/health");
  expect(response.status).toBe(503);
  expect(((await response.json()) as Health).checks.postgres).toEqual({ status: "failing", error: "no answer within 1 ms" });
});
