/**
 * Bad input never hurts (DESIGN.md section 9): random bodies, headers and paths against the
 * real app answer 4xx with a JSON error, never a 500, and write nothing.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createApp } from "../../src/http/app.ts";
import { MetricsRegistry } from "../../src/http/metrics.ts";
import type { PaymentActorsPort } from "../../src/http/ports.ts";
import { signWebhook } from "../../src/ingest/standard-webhooks.ts";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const admin_token = "a".repeat(24);

function recordingApp() {
  const writes: string[] = [];
  const actors: PaymentActorsPort = {
    accept: async (event) => {
      writes.push(event.id);
      return "accepted";
    },
    inspect: async () => null,
    replay: async () => "not_found",
    discard: async () => "not_found",
    overrideFraud: async () => "not_found",
  };
  const app = createApp({
    webhook_secrets: { dev: [secret] },
    admin_token,
    body_bytes_max: 4_096,
    actors,
    sink: { listDeadLetters: async () => [], ledgerAccounts: async () => [] },
    metrics: new MetricsRegistry(),
    health_checks: [],
    now: Date.now,
  });
  return { app, writes };
}

async function expectClientError(response: Response) {
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code).toBe("string");
  expect(typeof body.error?.message).toBe("string");
}

const jsonish = fc.oneof(
  fc.json(),
  fc.string(),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => new TextDecoder("latin1").decode(bytes)),
  fc.record(
    {
      id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      type: fc.oneof(fc.constantFrom("payment.created", "payment.captured", "payment.nope"), fc.string()),
      payment_id: fc.oneof(fc.string(), fc.constant("..")),
      sequence: fc.oneof(fc.integer(), fc.double(), fc.string()),
      occurred_at: fc.oneof(fc.constant("2026-11-21T10:00:00Z"), fc.string()),
      data: fc.oneof(
        fc.record({ amount: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(-1)), currency: fc.oneof(fc.constantFrom("USD", "usd", "XXX"), fc.string()), fee: fc.oneof(fc.integer(), fc.double()) }, { requiredKeys: [] }),
        fc.json(),
      ),
    },
    { requiredKeys: [] },
  ).map((value) => JSON.stringify(value)),
);

describe("bad input never hurts", () => {
  test("correctly signed but invalid bodies answer 4xx with a JSON error and write nothing", async () => {
    await fc.assert(
      fc.asyncProperty(jsonish, fc.constantFrom("application/json", "text/plain", "application/json; charset=latin1"), async (body, content_type) => {
        const { app, writes } = recordingApp();
        const timestamp_s = Math.floor(Date.now() / 1000);
        const signature = await signWebhook({ id: "msg_fuzz", timestamp_s, body, secret });
        const response = await app.request("/webhooks/dev", {
          method: "POST",
          body,
          headers: { "content-type": content_type, "webhook-id": "msg_fuzz", "webhook-timestamp": String(timestamp_s), "webhook-signature": signature },
        });
        if (response.status === 202) {
          // Only a body that is a valid event may be accepted, and then it is written once.
          expect(writes.length).toBe(1);
          return;
        }
        await expectClientError(response);
        expect(writes).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test("random signature headers answer 401 and write nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.string()), fc.option(fc.string()), fc.option(fc.string()), async (id, timestamp, signature) => {
        const { app, writes } = recordingApp();
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (id !== null) headers["webhook-id"] = id;
        if (timestamp !== null) headers["webhook-timestamp"] = timestamp;
        if (signature !== null) headers["webhook-signature"] = signature;
        let response: Response;
        try {
          response = await app.request("/webhooks/dev", { method: "POST", body: "{}", headers });
        } catch {
          return; // a header value the Request constructor itself refuses never reaches the app
        }
        await expectClientError(response);
        expect(writes).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test("admin routes with random path parameters and queries answer without a 500", async () => {
    const { app } = recordingApp();
    const segment = fc.string({ minLength: 1, maxLength: 40 }).map((text) => encodeURIComponent(text));
    await fc.assert(
      fc.asyncProperty(segment, segment, fc.dictionary(fc.constantFrom("reason", "since", "limit", "status", "currency"), fc.string()), async (id, event_id, query) => {
        const search = new URLSearchParams(query).toString();
        const headers = { authorization: `Bearer ${admin_token}`, "content-type": "application/json" };
        const requests: Array<[string, string, string | undefined]> = [
          ["GET", `/payments/${id}`, undefined],
          ["POST", `/payments/${id}/dlq/${event_id}/replay`, undefined],
          ["DELETE", `/payments/${id}/dlq/${event_id}`, undefined],
          ["POST", `/payments/${id}/fraud/override`, JSON.stringify({ decision: query.status ?? "allow", note: query.reason ?? null })],
          ["GET", `/dlq?${search}`, undefined],
          ["POST", "/dlq/replay", JSON.stringify(query)],
          ["GET", `/ledger/accounts?${search}`, undefined],
        ];
        for (const [method, path, body] of requests) {
          const response = await app.request(path, { method, headers, body });
          expect(response.status).toBeLessThan(500);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("GET /dlq filters", () => {
  test.each(["0000-01-01", "9999-12-31T23:59:59-23:59", "2026-02-30", "2026-11-21T10:00:00", "yesterday"])("since=%s is refused with 400", async (since) => {
    const { app } = recordingApp();
    const response = await app.request(`/dlq?since=${encodeURIComponent(since)}`, { headers: { authorization: `Bearer ${admin_token}` } });
    expect(response.status).toBe(400);
  });

  test.each(["1e3", "0x10", " 1", "0", "1001", "-1"])("limit=%s is refused with 400", async (limit) => {
    const { app } = recordingApp();
    const response = await app.request(`/dlq?limit=${encodeURIComponent(limit)}`, { headers: { authorization: `Bearer ${admin_token}` } });
    expect(response.status).toBe(400);
  });

  test("a date and an RFC 3339 timestamp with an offset are accepted", async () => {
    const { app } = recordingApp();
    for (const since of ["2026-11-21", "2026-11-21T10:00:00+02:00"]) {
      const response = await app.request(`/dlq?since=${encodeURIComponent(since)}&limit=10`, { headers: { authorization: `Bearer ${admin_token}` } });
      expect(response.status).toBe(200);
    }
  });
});
