/** Error answers: `{"error":{"code","message"}}`. Status codes are chosen here and in routes only. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Problem } from "../core/result.ts";

export class HttpProblem extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  static of(status: ContentfulStatusCode, problem: Problem): HttpProblem {
    return new HttpProblem(status, problem.code, problem.message);
  }
}

export function problemResponse(c: Context, problem: HttpProblem): Response {
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value);
  return c.json({ error: { code: problem.code, message: problem.message } }, problem.status);
}

/** JSON with bigint values written as exact integers (money past 2^53 stays exact). */
export function jsonWithBigints(value: unknown): string {
  const marker = "\u0000bigint:";
  const text = JSON.stringify(value, (_key, item) => (typeof item === "bigint" ? marker + item.toString() : item));
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, "$1");
}
