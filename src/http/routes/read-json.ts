import type { JsonLimits } from "../../ingest/json-limits.ts";
import { decodeJsonBody, readBody } from "../../ingest/read-body.ts";
import { HttpProblem } from "../problem.ts";

/** Reads an admin request's JSON object body, with the same limits as webhooks. */
export async function readJsonObject(request: Request, bytes_max: number, json_limits?: JsonLimits): Promise<Record<string, unknown>> {
  const body = await readBody(request, bytes_max);
  if (!body.ok) throw HttpProblem.of(413, body.error);
  const decoded = decodeJsonBody(body.value, request.headers.get("content-type"), json_limits);
  if (!decoded.ok) throw HttpProblem.of(decoded.error.code === "unsupported_content_type" ? 415 : 400, decoded.error);
  const value = decoded.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpProblem(400, "invalid_body", "the body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
