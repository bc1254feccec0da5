/** Admin routes need `Authorization: Bearer <ADMIN_TOKEN>` (DESIGN.md section 9). */
import { expect } from "bun:test";
import { expectProblem, request, type HttpSuiteContext } from "./context.ts";

const ADMIN_ROUTES: Array<[method: string, path: string]> = [
  ["GET", "/payments/pay_any"],
  ["POST", "/payments/pay_any/dlq/evt_any/replay"],
  ["DELETE", "/payments/pay_any/dlq/evt_any"],
  ["POST", "/payments/pay_any/fraud/override"],
  ["GET", "/dlq"],
  ["GET", "/ledger/accounts?currency=USD"],
];

export function adminAuthCases(context: HttpSuiteContext): void {
  context.test("admin routes refuse a request without a bearer token with 401", async () => {
    for (const [method, path] of ADMIN_ROUTES) {
      const response = await request(context.target(), method, path, { token: null });
      const error = await expectProblem(response, 401);
      expect({ method, path, code: error.code }).toEqual({ method, path, code: "missing_admin_token" });
    }
    const basic = await request(context.target(), "GET", "/dlq", { token: null, headers: { authorization: "Basic YWRtaW46YWRtaW4=" } });
    await expectProblem(basic, 401, "missing_admin_token");
  });

  context.test("admin routes refuse a wrong bearer token with 401", async () => {
    const right = context.target().admin_token;
    for (const token of ["wrong-token-wrong-token", right.slice(0, -1), `${right}x`, right.toUpperCase() === right ? right.toLowerCase() : right.toUpperCase()]) {
      for (const [method, path] of ADMIN_ROUTES) {
        const response = await request(context.target(), method, path, { token });
        const error = await expectProblem(response, 401);
        expect({ method, path, code: error.code }).toEqual({ method, path, code: "invalid_admin_token" });
      }
    }
  });

  context.test("admin routes answer the right bearer token", async () => {
    const response = await request(context.target(), "GET", "/dlq");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ dead_letters: expect.any(Array), count: expect.any(Number) });
  });

  context.test("GET /payments/:id answers 404 for a payment never seen", async () => {
    const response = await request(context.target(), "GET", `/payments/${context.paymentId("never-seen")}`);
    await expectProblem(response, 404, "payment_not_found");
  });
}
