/** Admin routes need `Authorization: Bearer <ADMIN_TOKEN>`; without a configured token they answer 503. */
import type { MiddlewareHandler } from "hono";
import { HttpProblem } from "./problem.ts";

export function adminAuth(admin_token: string | null): MiddlewareHandler {
  const expected = admin_token === null ? null : new TextEncoder().encode(admin_token);
  return async (c, next) => {
    if (expected === null) {
      throw new HttpProblem(503, "admin_disabled", "ADMIN_TOKEN is not configured, so admin routes are disabled");
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer (.+)$/i.exec(header);
    if (!match) throw new HttpProblem(401, "missing_admin_token", "admin routes need Authorization: Bearer <ADMIN_TOKEN>");
    if (!constantTimeEqual(new TextEncoder().encode(match[1]!), expected)) {
      throw new HttpProblem(401, "invalid_admin_token", "the bearer token does not match ADMIN_TOKEN");
    }
    await next();
  };
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let index = 0; index < b.length; index += 1) difference |= (a[index % Math.max(a.length, 1)] ?? 0) ^ b[index]!;
  return difference === 0;
}
