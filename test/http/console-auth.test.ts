/**
 * The console's access rules through app.request (no server, no browser): what answers
 * without a session, the session cookie's attributes, expiry and forgery, CSRF on actions,
 * the security headers, and the console disabled without ADMIN_TOKEN.
 */
import { describe, expect, test } from "bun:test";
import { createApp } from "../../src/http/app.ts";
import { consoleSigner, SESSION_SECONDS } from "../../src/http/console/session.ts";
import { MetricsRegistry } from "../../src/http/metrics.ts";
import type { AppDependencies, PaymentActorsPort } from "../../src/http/ports.ts";

const ADMIN_TOKEN = "adm_0123456789abcdef0123";
const T0_MS = Date.UTC(2026, 11, 1, 10, 0, 0);

function consoleApp(admin_token: string | null = ADMIN_TOKEN) {
  let now_ms = T0_MS;
  const overrides: string[] = [];
  const actors: PaymentActorsPort = {
    accept: async () => "accepted",
    inspect: async () => null,
    replay: async () => "not_found",
    discard: async () => "not_found",
    overrideFraud: async (payment_id, decision) => {
      overrides.push(`${payment_id}:${decision}`);
      return "done";
    },
  };
  const deps: AppDependencies = {
    webhook_secrets: {},
    admin_token,
    body_bytes_max: 16 * 1024,
    actors,
    sink: { listDeadLetters: async () => [], ledgerAccounts: async () => [] },
    metrics: new MetricsRegistry(),
    health_checks: [],
    now: () => now_ms,
  };
  const app = createApp(deps);
  return { app, overrides, advance: (ms: number) => (now_ms += ms) };
}

async function signIn(app: ReturnType<typeof createApp>, token = ADMIN_TOKEN) {
  return app.request("http://console.test/console/login", { method: "POST", body: new URLSearchParams({ token, next: "/console/ledger" }) });
}

const cookieOf = (response: Response) => response.headers.get("set-cookie")!.split(";")[0]!;

describe("the console's access rules", () => {
  test("without a session every page redirects to sign-in and every action is refused", async () => {
    const { app } = consoleApp();
    for (const path of ["/console", "/console/payments/pay_1", "/console/dlq", "/console/ledger", "/console/ingest", "/console/api", "/console/pipeline.json"]) {
      const response = await app.request(`http://console.test${path}`);
      expect({ path, status: response.status, location: response.headers.get("location") }).toEqual({ path, status: 303, location: `/console/login?next=${encodeURIComponent(path)}` });
    }
    const action = await app.request("http://console.test/console/payments/pay_1/fraud/override", { method: "POST", body: new URLSearchParams({ decision: "allow", confirm: "yes" }) });
    expect(action.status).toBe(401);
  });

  test("the right token sets an HttpOnly, SameSite=Strict, expiring cookie; a wrong one gets the form with 401", async () => {
    const { app } = consoleApp();
    const wrong = await signIn(app, "adm_not_the_token_at_all");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain('name="token"');
    const right = await signIn(app);
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe("/console/ledger");
    const cookie = right.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain(`Max-Age=${SESSION_SECONDS}`);
    expect(cookie).toContain("Path=/console");
    expect(cookie).not.toContain("Secure");
    const over_tls = await app.request("https://console.test/console/login", { method: "POST", body: new URLSearchParams({ token: ADMIN_TOKEN }) });
    expect(over_tls.headers.get("set-cookie")).toContain("Secure");
    const page = await app.request("http://console.test/console/api", { headers: { cookie: cookieOf(right) } });
    expect(page.status).toBe(200);
  });

  test("a session expires, and a cookie signed under another token or altered is refused", async () => {
    const { app, advance } = consoleApp();
    const cookie = cookieOf(await signIn(app));
    advance(SESSION_SECONDS * 1000 - 1);
    expect((await app.request("http://console.test/console/api", { headers: { cookie } })).status).toBe(200);
    advance(1);
    expect((await app.request("http://console.test/console/api", { headers: { cookie } })).status).toBe(303);
    const foreign = await consoleSigner("adm_another_token_entirely").issue(T0_MS);
    expect((await app.request("http://console.test/console/api", { headers: { cookie: `console_session=${foreign}` } })).status).toBe(303);
    const [expires, signature] = cookie.split("=")[1]!.split(".");
    const extended = `console_session=${Number(expires) + 3600}.${signature}`;
    expect((await app.request("http://console.test/console/api", { headers: { cookie: extended } })).status).toBe(303);
  });

  test("an action needs the session's CSRF token and a same-origin Origin; the bearer header needs neither", async () => {
    const { app, overrides } = consoleApp();
    const cookie = cookieOf(await signIn(app));
    const page = await (await app.request("http://console.test/console/api", { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const override = (headers: Record<string, string>, fields: Record<string, string>) =>
      app.request("http://console.test/console/payments/pay_1/fraud/override", { method: "POST", headers: { host: "console.test", ...headers }, body: new URLSearchParams({ decision: "allow", confirm: "yes", ...fields }) });
    expect((await override({ cookie }, {})).status).toBe(403);
    expect((await override({ cookie }, { csrf: csrf.replace(/^./, (c) => (c === "A" ? "B" : "A")) })).status).toBe(403);
    expect((await override({ cookie, origin: "https://evil.example" }, { csrf })).status).toBe(403);
    expect(overrides).toEqual([]);
    const confirmation = await override({ cookie, origin: "http://console.test" }, { csrf, confirm: "" });
    expect(confirmation.status).toBe(200);
    expect(await confirmation.text()).toContain("Override with allow");
    expect(overrides).toEqual([]);
    expect((await override({ cookie, origin: "http://console.test" }, { csrf })).status).toBe(303);
    expect((await override({ authorization: `Bearer ${ADMIN_TOKEN}` }, {})).status).toBe(303);
    expect((await override({ authorization: "Bearer adm_wrong_token_0000000" }, {})).status).toBe(401);
    expect(overrides).toEqual(["pay_1:allow", "pay_1:allow"]);
  });

  test("every console answer carries a strict Content-Security-Policy and is not cached", async () => {
    const { app } = consoleApp();
    const response = await app.request("http://console.test/console/login");
    const policy = response.headers.get("content-security-policy")!;
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"]) expect(policy).toContain(directive);
    expect(policy).not.toContain("unsafe-inline");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const html = await response.text();
    expect(html).not.toMatch(/<script>|<style>|style="|on(click|load)=/);
  });

  test("without ADMIN_TOKEN the console is disabled", async () => {
    const { app } = consoleApp(null);
    expect((await app.request("http://console.test/console")).status).toBe(503);
    expect((await signIn(app)).status).toBe(503);
  });
});
