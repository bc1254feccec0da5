/**
 * Who may see the console: a request with the admin bearer header (scripts), or a browser
 * holding a session cookie from /console/login. A state-changing request on a cookie must
 * also carry the session's CSRF token and, when the browser sends one, a same-origin Origin.
 * The token comparison is the admin routes' own (admin-auth.ts), whatever it becomes.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { adminAuth } from "../admin-auth.ts";
import { HttpProblem } from "../problem.ts";
import { consoleSigner, SESSION_COOKIE, type ConsoleSigner } from "./session.ts";

export type ConsoleEnv = { Variables: { csrf: string; session: string | null } };

export interface ConsoleAuth {
  signer: ConsoleSigner | null;
  tokenMatches(token: string): Promise<boolean>;
  /** Lets a request through with its CSRF token set, or answers it (redirect, 401, 403, 503). */
  require: MiddlewareHandler<ConsoleEnv>;
  /** Throws 403 unless a cookie-authenticated form carries its CSRF token and a same-origin Origin. */
  checkForm(c: Context<ConsoleEnv>, form: Record<string, unknown>): Promise<void>;
}

export function consoleAuth(admin_token: string | null, now: () => number): ConsoleAuth {
  const admin = adminAuth(admin_token);
  const probe = new Hono()
    .use(admin)
    .get("/", (c) => c.body(null, 204))
    .onError((_error, c) => c.body(null, 401));
  const tokenMatches = async (token: string) => (await probe.request("/", { headers: { authorization: `Bearer ${token}` } })).status === 204;
  const signer = admin_token === null ? null : consoleSigner(admin_token);

  return {
    signer,
    tokenMatches,
    async require(c, next) {
      if (signer === null) throw new HttpProblem(503, "admin_disabled", "ADMIN_TOKEN is not configured, so the console is disabled");
      if (c.req.header("authorization") !== undefined) {
        c.set("csrf", "");
        c.set("session", null);
        return admin(c, next);
      }
      const session = getCookie(c, SESSION_COOKIE);
      if (session !== undefined && (await signer.verify(session, now()))) {
        c.set("session", session);
        c.set("csrf", await signer.csrfToken(session));
        return next();
      }
      if (c.req.method === "GET" || c.req.method === "HEAD") {
        const next_path = new URL(c.req.url).pathname + new URL(c.req.url).search;
        return c.redirect(`/console/login?next=${encodeURIComponent(next_path)}`, 303);
      }
      throw new HttpProblem(401, "missing_session", "sign in at /console/login or send Authorization: Bearer <ADMIN_TOKEN>");
    },
    async checkForm(c, form) {
      const session = c.get("session");
      if (session === null) return; // bearer header: no browser sends it by itself
      const origin = c.req.header("origin");
      if (origin !== undefined && !sameOrigin(origin, c)) {
        throw new HttpProblem(403, "cross_origin_request", `a console action from origin ${origin} is refused`);
      }
      const token = typeof form.csrf === "string" ? form.csrf : "";
      if (!signer || !(await signer.verifyCsrf(session, token))) {
        throw new HttpProblem(403, "invalid_csrf_token", "the form's csrf token does not belong to this session; reload the page and try again");
      }
    },
  };
}

/** The Origin a browser sent names the host this request was sent to (the Host header, as a proxy passes it on). */
export function sameOrigin(origin: string, c: Context): boolean {
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
