import { describe, expect, test } from "bun:test";
import { decodeJsonBody, parseEventBody, readBody } from "../../src/ingest/read-body.ts";

const URL_WEBHOOK = "http://localhost/webhooks/dev";
const encode = (text: string) => new TextEncoder().encode(text);

/** A body streamed in chunks without Content-Length; counts the chunks pulled and notes a cancel. */
function streamed(chunks_total: number, chunk_bytes: number) {
  const state = { pulled: 0, canceled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === chunks_total) return controller.close();
      state.pulled += 1;
      controller.enqueue(new Uint8Array(chunk_bytes).fill(0x61));
    },
    cancel() {
      state.canceled = true;
    },
  });
  const request = new Request(URL_WEBHOOK, { method: "POST", body, duplex: "half" } as RequestInit);
  return { request, state };
}

describe("readBody", () => {
  test("a body within the limit is read whole", async () => {
    const result = await readBody(new Request(URL_WEBHOOK, { method: "POST", body: "hello" }), 5);
    expect(result.ok && new TextDecoder().decode(result.value)).toBe("hello");
  });

  test("a request without a body reads as empty", async () => {
    const result = await readBody(new Request(URL_WEBHOOK), 10);
    expect(result.ok && result.value.length).toBe(0);
  });

  test("a Content-Length over the limit is refused without reading the body", async () => {
    const { request, state } = streamed(1_000, 1_024);
    request.headers.set("content-length", "1024000");
    const result = await readBody(request, 256 * 1024);
    expect(result).toEqual({
      ok: false,
      error: { code: "body_too_large", message: "request body must be at most 262144 bytes; Content-Length is 1024000" },
    });
    expect(state.pulled).toBeLessThanOrEqual(1);
  });

  test("a chunked stream without Content-Length stops being read once it passes the limit", async () => {
    const { request, state } = streamed(1_000_000, 1_024);
    expect(request.headers.get("content-length")).toBeNull();
    const result = await readBody(request, 10 * 1024);
    expect(result.ok ? undefined : result.error.code).toBe("body_too_large");
    expect(state.pulled).toBeLessThan(20);
    expect(state.canceled).toBe(true);
  });

  test("a chunked stream exactly at the limit is read whole", async () => {
    const { request } = streamed(10, 1_024);
    const result = await readBody(request, 10 * 1024);
    expect(result.ok && result.value.length).toBe(10 * 1024);
  });
});

describe("decodeJsonBody", () => {
  test("JSON sent as application/json is decoded", () => {
    expect(decodeJsonBody(encode('{"a":1}'), "application/json")).toEqual({ ok: true, value: { a: 1 } });
  });

  test("parameters are allowed and a utf-8 charset is accepted in any case", () => {
    for (const type of [
      "application/json; charset=utf-8",
      "Application/JSON;charset=UTF-8",
      'application/json; charset="utf-8"',
      "application/json; charset=utf8",
      "application/json; profile=canonical",
    ]) {
      expect(decodeJsonBody(encode("[]"), type).ok).toBe(true);
    }
  });

  test("a missing or different content type is unsupported", () => {
    for (const type of [null, "text/plain", "application/x-www-form-urlencoded", "application/jsonx", ""]) {
      const result = decodeJsonBody(encode("{}"), type);
      expect(result.ok ? undefined : result.error.code).toBe("unsupported_content_type");
    }
  });

  test("a charset other than utf-8 is unsupported", () => {
    const result = decodeJsonBody(encode("{}"), "application/json; charset=latin1");
    expect(result).toEqual({
      ok: false,
      error: { code: "unsupported_content_type", message: 'content-type charset must be utf-8, got "latin1"' },
    });
  });

  test("bytes that are not UTF-8 are refused, not replaced", () => {
    const result = decodeJsonBody(new Uint8Array([0x22, 0xff, 0x22]), "application/json");
    expect(result.ok ? undefined : result.error.code).toBe("invalid_utf8");
  });

  test("malformed JSON is refused with the parser's message", () => {
    const result = decodeJsonBody(encode('{"a":'), "application/json");
    if (result.ok) throw new Error("expected a problem");
    expect(result.error.code).toBe("malformed_json");
    expect(result.error.message).toStartWith("request body is not valid JSON: ");
    expect(result.error.message.length).toBeGreaterThan("request body is not valid JSON: ".length);
  });

  test("an empty body is malformed JSON", () => {
    const result = decodeJsonBody(new Uint8Array(0), "application/json");
    expect(result.ok ? undefined : result.error.code).toBe("malformed_json");
  });
});

describe("parseEventBody", () => {
  const event = {
    id: "evt_1",
    type: "payment.refunded" as const,
    payment_id: "pay_1",
    occurred_at: "2026-11-21T10:00:00Z",
    data: { amount: 500, currency: "EUR" },
  };

  test("a valid event body parses to the event", () => {
    expect(parseEventBody(encode(JSON.stringify(event)), "application/json")).toEqual({ ok: true, value: event });
  });

  test("decoding problems come before schema problems", () => {
    const result = parseEventBody(encode("{"), "text/plain");
    expect(result.ok ? undefined : result.error.code).toBe("unsupported_content_type");
  });

  test("a schema problem is reported by the event parser", () => {
    const body = encode(JSON.stringify({ ...event, data: { amount: -5, currency: "EUR" } }));
    const result = parseEventBody(body, "application/json");
    expect(result.ok ? undefined : result.error.code).toBe("invalid_amount");
  });
});
