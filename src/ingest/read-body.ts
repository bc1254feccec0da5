/**
 * Reading a request body within a size limit, and decoding it as a JSON event.
 *
 * Problem codes: `body_too_large`, `unsupported_content_type`, `invalid_utf8`,
 * `malformed_json`, those of checkJsonLimits (json-limits.ts), and those of parseEvent (src/core/event-parse.ts).
 */
import type { PaymentEvent } from "../core/event.ts";
import { parseEvent } from "../core/event-parse.ts";
import { fail, ok } from "../core/result.ts";
import type { Result } from "../core/result.ts";
import { checkJsonLimits, DEFAULT_JSON_LIMITS, type JsonLimits } from "./json-limits.ts";

/**
 * Reads the whole body, or fails with `body_too_large` as soon as it is known to exceed
 * `bytes_max`: at once from Content-Length, else after the chunk that crosses the limit, so a
 * client streaming without Content-Length never makes us buffer more than one chunk too much.
 * A stream error (the client went away) rejects.
 */
export async function readBody(request: Request, bytes_max: number): Promise<Result<Uint8Array>> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > bytes_max) {
    return tooLarge(bytes_max, `Content-Length is ${declared.trim()}`);
  }
  if (request.body === null) return ok(new Uint8Array(0));
  if (declared !== null && /^\d+$/.test(declared.trim())) {
    // Declared and within the limit: one read (the server frames the body by Content-Length).
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength > bytes_max ? tooLarge(bytes_max, `more than ${bytes_max} bytes were sent`) : ok(bytes);
  }

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes_total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes_total += value.byteLength;
    if (bytes_total > bytes_max) {
      // Cancelling tells the runtime to stop receiving; its failure changes nothing for us.
      reader.cancel().catch(() => {});
      return tooLarge(bytes_max, `more than ${bytes_max} bytes were sent`);
    }
    chunks.push(value);
  }
  return ok(concatenate(chunks, bytes_total));
}

/**
 * Decodes JSON sent as `application/json` (parameters allowed; a `charset` must be utf-8).
 * Bytes that are not valid UTF-8 are refused rather than replaced, so what is stored is
 * exactly what was signed. The text's shape is bounded (json-limits.ts) before it is parsed.
 */
export function decodeJsonBody(bytes: Uint8Array, content_type: string | null, limits: JsonLimits = DEFAULT_JSON_LIMITS): Result<unknown> {
  const media = checkContentType(content_type);
  if (!media.ok) return media;
  let text: string;
  try {
    text = UTF8_STRICT.decode(bytes);
  } catch {
    return fail("invalid_utf8", "request body is not valid UTF-8");
  }
  const shape = checkJsonLimits(text, limits);
  if (!shape.ok) return shape;
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (error) {
    return fail("malformed_json", `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Stateless between calls (no `stream` option), so one instance serves every request. */
const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true });

/** decodeJsonBody, then parseEvent. */
export function parseEventBody(bytes: Uint8Array, content_type: string | null, json_limits?: JsonLimits): Result<PaymentEvent> {
  const json = decodeJsonBody(bytes, content_type, json_limits);
  if (!json.ok) return json;
  return parseEvent(json.value);
}

function checkContentType(content_type: string | null): Result<void> {
  const expected = "content-type must be application/json";
  if (content_type === null) return fail("unsupported_content_type", `${expected}, got none`);
  const [media, ...parameters] = content_type.split(";");
  if (media!.trim().toLowerCase() !== "application/json") {
    return fail("unsupported_content_type", `${expected}, got ${JSON.stringify(content_type.slice(0, 100))}`);
  }
  for (const parameter of parameters) {
    const equals = parameter.indexOf("=");
    if (equals < 0) continue;
    const name = parameter.slice(0, equals).trim().toLowerCase();
    const value = parameter.slice(equals + 1).trim().replace(/^"(.*)"$/, "$1").toLowerCase();
    // "utf8" is the WHATWG alias of the same encoding; anything else would be mis-decoded.
    if (name === "charset" && value !== "utf-8" && value !== "utf8") {
      return fail("unsupported_content_type", `content-type charset must be utf-8, got ${JSON.stringify(value.slice(0, 40))}`);
    }
  }
  return ok(undefined);
}

function tooLarge<T>(bytes_max: number, detail: string): Result<T> {
  return fail("body_too_large", `request body must be at most ${bytes_max} bytes; ${detail}`);
}

function concatenate(chunks: readonly Uint8Array[], bytes_total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(bytes_total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
