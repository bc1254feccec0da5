/** Admin auth through `app.request`: every admin route is guarded, a token list rotates, unset means 503. */
import { expect, test } from "bun:test";
import { Hono } from "hono";
import { adminAuth, adminRoutes, parseAdminTokens } from "../../src/http/admin-auth.ts";
import { ADMIN_TOKEN, testApp } from "../support/app-ports.ts";

const ADMIN_ROUTES: Array<[method: string, path: string]> = [
  ["GET", "/payments/pay_any"],
  ["POST", "/payments/pay_any/dlq/evt_any/replay"],
  ["DELETE", "/payments/pay_any/dlq/evt_any"],
  ["POST", "/payments/pay_any/fraud/override"],
  ["GET", "/dlq"],
  ["POST", "/dlq/replay"],
  ["GET", "/ledger/accounts?currency=USD"],
  ["GET", "/kafka/consumers"],
  ["GET", "/webhooks/ignored"],
];

async function problem(response: Response): Promise<{ status: number; code: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.message).toEqual(expect.any(String));
  return { status: response.status, code: body.error.code };
}

test("every admin route refuses a missing, foreign-scheme or wrong token with a JSON 401", async () => {
  const { app } = testApp();
  for (const [method, path] of ADMIN_ROUTES) {
    for (const [authorization, code] of [
      [undefined, "missing_admin_token"],
      ["Basic YWRtaW46YWRtaW4=", "missing_admin_token"],
      ["Bearer", "missing_admin_token"],
      ["Bearer wrong-token-wrong-token", "invalid_admin_token"],
      ["Bearer not a token!", "invalid_admin_token"],
      [`Bearer ${ADMIN_TOKEN}x`, "invalid_admin_token"],
    ] as const) {
      const response = await app.request(path, { method, headers: authorization ? { authorization } : {} });
      expect({ method, path, authorization, ...(await problem(response)) }).toEqual({ method, path, authorization, status: 401, code });
    }
  }
});

test("every admin route passes the right token on to the route", async () => {
  const { app } = testApp();
  for (const [method, path] of ADMIN_ROUTES) {
    const response = await app.request(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" });
    expect({ method, path, unauthorized: response.status === 401 || response.status === 503 }).toEqual({ method, path, unauthorized: false });
  }
});

test("ADMIN_TOKEN as a comma-separated list accepts each token (rotation)", async () => {
  const old_token = "adm_old_token_0123456789";
  const new_token = "adm_new_token_0123456789";
  const { app } = testApp({ admin_token: `${old_token}, ${new_token}` });
  for (const token of [old_token, new_token]) expect((await app.request("/dlq", { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  expect((await app.request("/dlq", { headers: { authorization: `Bearer ${old_token},${new_token}` } })).status).toBe(401);
});

test("without a configured token, admin routes answer 503 admin_disabled and public routes still answer", async () => {
  const { app } = testApp({ admin_token: null });
  for (const [method, path] of ADMIN_ROUTES) {
    const response = await app.request(path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect({ method, path, ...(await problem(response)) }).toEqual({ method, path, status: 503, code: "admin_disabled" });
  }
  expect((await app.request("/health")).status).toBe(200);
  expect((await app.request("/metrics")).status).toBe(200);
});

test("public routes need no token, and a webhook source is not an admin route", async () => {
  const { app, sendSigned } = testApp();
  expect((await app.request("/health")).status).toBe(200);
  expect((await app.request("/metrics")).status).toBe(200);
  const response = await sendSigned({ id: "evt_1", type: "payment.created", payment_id: "pay_1", occurred_at: "2026-11-21T10:00:00Z", data: { amount: 1, currency: "USD", merchant_id: "m_1" } });
  expect(response.status).toBe(202);
  expect((await app.request("/no-such-route")).status).toBe(404);
});

test("ADMIN_TOKEN is refused at start when a token is short or has characters a bearer token cannot carry", () => {
  expect(parseAdminTokens(undefined)).toEqual({ ok: true, value: [] });
  expect(parseAdminTokens(" a-token-of-16-chars , b-token-of-16-chars ")).toEqual({ ok: true, value: ["a-token-of-16-chars", "b-token-of-16-chars"] });
  const short = parseAdminTokens("short");
  expect(short.ok || short.error.message).toBe("ADMIN_TOKEN must be at least 16 characters");
  const second = parseAdminTokens("a-token-of-16-chars,short");
  expect(second.ok || second.error.message).toBe("ADMIN_TOKEN (token 2 of 2) must be at least 16 characters");
  const spaced = parseAdminTokens("a token with spaces in it");
  expect(spaced.ok || spaced.error.message).toContain("ADMIN_TOKEN may hold only");
});

test("LIST_ENTRIES_MAX bounds the admin lists' limit", async () => {
  const { app } = testApp({ list_entries_max: 5 });
  const get = (path: string) => app.request(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect((await get("/dlq?limit=5")).status).toBe(200);
  expect(await problem(await get("/dlq?limit=6"))).toEqual({ status: 400, code: "invalid_field" });
  expect((await get("/webhooks/ignored?limit=5")).status).toBe(200);
  expect(await problem(await get("/webhooks/ignored?limit=6"))).toEqual({ status: 400, code: "invalid_limit" });
});

test("a route added to an admin group is guarded by its method and path, and guards nothing else", async () => {
  const app = new Hono();
  app.get("/reports/:id", (c) => c.text("public"));
  app.route("/", adminRoutes(adminAuth(ADMIN_TOKEN), new Hono().post("/reports/:id", (c) => c.text("admin")).get("/new-admin-route", (c) => c.text("admin"))));
  expect((await app.request("/new-admin-route")).status).toBe(401);
  expect((await app.request("/reports/1", { method: "POST" })).status).toBe(401);
  expect(await (await app.request("/new-admin-route", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text()).toBe("admin");
  // The same path under another method, and every other path, stay as they were.
  expect(await (await app.request("/reports/1")).text()).toBe("public");
  expect((await app.request("/elsewhere")).status).toBe(404);
});
