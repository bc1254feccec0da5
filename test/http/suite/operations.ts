/** GET /health, GET /metrics, and what an unknown route answers. */
import { expect } from "bun:test";
import { event } from "../../support/events.ts";
import { REQUEST_TIMEOUT_MS, sendSigned } from "../../support/http-target.ts";
import { expectProblem, request, type Json, type HttpSuiteContext } from "./context.ts";

export function operationCases(context: HttpSuiteContext): void {
  const get = (path: string) => fetch(`${context.target().url}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

  context.test("GET /health answers 200 with status ok and no token", async () => {
    const response = await get("/health");
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body.status).toBe("ok");
    expect(typeof body.checks).toBe("object");
  });

  context.test("GET /metrics answers Prometheus text that counts accepted webhook events", async () => {
    const sent = await sendSigned(context.target(), event("payment.created", context.paymentId("metrics"), { amount: 100 }));
    expect(sent.status).toBe(202);
    await sent.body?.cancel();
    const response = await get("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type") ?? "").toStartWith("text/plain");
    const text = await response.text();
    expect(text).toContain("# TYPE webhook_events_total counter");
    const accepted = /^webhook_events_total\{[^}]*outcome="accepted"[^}]*\} (\d+(\.\d+)?)$/m.exec(text);
    expect(accepted).not.toBeNull();
    expect(Number(accepted![1])).toBeGreaterThanOrEqual(1);
    for (const line of text.split("\n").filter((line) => line !== "" && !line.startsWith("#"))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?\d+(\.\d+)?([eE][+-]?\d+)?|NaN|[+-]Inf)$/);
    }
  });

  context.test("an unknown route answers 404 with a JSON error, a known route under another method 405", async () => {
    await expectProblem(await get("/no/such/route"), 404, "route_not_found");
    await expectProblem(await request(context.target(), "PUT", "/health"), 405, "method_not_allowed");
    await expectProblem(await request(context.target(), "GET", "/webhooks/dev"), 405, "method_not_allowed");
  });
}
