/**
 * Admin routes need `Authorization: Bearer <token>`, where the token is one of ADMIN_TOKEN's
 * comma-separated list (two tokens during a rotation); without a configured token they answer
 * 503. Built on `hono/bearer-auth` (constant-time comparison), answering our JSON problems.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { Hono } from "hono";
import { fail, ok, type Result } from "../core/result.ts";
import { HttpProblem } from "./problem.ts";

const ADMIN_TOKEN_LENGTH_MIN = 16;
/** RFC 6750 token68: what `hono/bearer-auth` accepts in a header, so what a token may be. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~+/-]+=*$/;

/** ADMIN_TOKEN: one token, or a comma-separated list of them; empty or unset means none. */
export function parseAdminTokens(value: string | undefined): Result<string[]> {
  const tokens = (value ?? "").split(",").map((token) => token.trim()).filter((token) => token !== "");
  for (const [index, token] of tokens.entries()) {
    const which = tokens.length === 1 ? "ADMIN_TOKEN" : `ADMIN_TOKEN (token ${index + 1} of ${tokens.length})`;
    if (token.length < ADMIN_TOKEN_LENGTH_MIN) return fail("invalid_config", `${which} must be at least ${ADMIN_TOKEN_LENGTH_MIN} characters`);
    if (!TOKEN_PATTERN.test(token)) return fail("invalid_config", `${which} may hold only letters, digits and . _ ~ + / - (then = padding)`);
  }
  return ok(tokens);
}

export function adminAuth(admin_token: string | null): MiddlewareHandler {
  const tokens = parseAdminTokens(admin_token ?? undefined);
  // The host configs refuse a bad ADMIN_TOKEN at start; here a bad one disables admin.
  if (!tokens.ok || tokens.value.length === 0) {
    const message = tokens.ok ? "ADMIN_TOKEN is not configured, so admin routes are disabled" : `admin routes are disabled: ${tokens.error.message}`;
    return async () => {
      throw new HttpProblem(503, "admin_disabled", message);
    };
  }
  const problem = (code: string, message: string) => (c: Context) =>
    c.json({ error: { code, message } }, 401);
  const missing = problem("missing_admin_token", "admin routes need Authorization: Bearer <ADMIN_TOKEN>");
  const invalid = problem("invalid_admin_token", "the bearer token does not match ADMIN_TOKEN");
  return bearerAuth({
    token: tokens.value,
    noAuthenticationHeader: { message: missing },
    // Another scheme (Basic) is a missing bearer token; a bearer token of other characters is a wrong one.
    invalidAuthenticationHeader: { message: (c: Context) => (/^Bearer /i.test(c.req.header("authorization") ?? "") ? invalid(c) : missing(c)) },
    invalidToken: { message: invalid },
  });
}

/**
 * One app of admin routes: every route of `groups` is registered behind `guard` for its own
 * method and path, so a route added to an admin group cannot be public by accident. (A
 * sub-app's `use("*")` mounted at "/" would guard every path of the parent, /health too.)
 */
export function adminRoutes(guard: MiddlewareHandler, ...groups: Hono[]): Hono {
  const admin = new Hono();
  const guarded = new Set<string>();
  for (const group of groups) {
    for (const route of group.routes) {
      const key = `${route.method} ${route.path}`;
      if (guarded.has(key)) continue;
      guarded.add(key);
      admin.on(route.method, route.path, guard);
    }
  }
  for (const group of groups) admin.route("/", group);
  return admin;
}
