import { describe, expect, test } from "bun:test";
import { createApp } from "../../src/http/app.ts";
import { MetricsRegistry } from "../../src/http/metrics.ts";
import type { AcceptOutcome, PaymentActorsPort } from "../../src/http/ports.ts";
import { StorageFullError } from "../../src/core/storage-full.ts";
import { signWebhook } from "../../src/ingest/standard-webhooks.ts";
import { event } from "../support/events.ts";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

function appAnswering(outcome: AcceptOutcome | Error, overloaded?: () => boolean) {
  const actors = {
    accept: async () => {
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    overloaded,
  } as unknown as PaymentActorsPort;
  return createApp({
    webhook_secrets: { dev: [secret] },
    admin_token: "a".repeat(20),
    body_bytes_max: 262_144,
    actors,
    sink: { listDeadLetters: async () => [], ledgerAccounts: async () => [] },
    metrics: new MetricsRegistry(),
    health_checks: [],
    now: Date.now,
  });
}

async function deliver(outcome: AcceptOutcome | Error, overloaded?: () => boolean) {
  const body = JSON.stringify(event("payment.created", "pay_overload", { amount: 100 }));
  const timestamp_s = Math.floor(Date.now() / 1000);
  const signature = await signWebhook({ id: "msg_1", timestamp_s, body, secret });
  return appAnswering(outcome, overloaded).request("/webhooks/dev", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "webhook-id": "msg_1", "webhook-timestamp": String(timestamp_s), "webhook-signature": signature },
  });
}

describe("overload answers", () => {
  test("a payment with too many events waiting answers 429 with Retry-After", async () => {
    const response = await deliver("inbox_full");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("inbox_full");
  });

  test("a payment with too many dead letters answers 429 dead_letters_full, naming what to do", async () => {
    const response = await deliver("dead_letters_full");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("60");
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("dead_letters_full");
    expect(body.error.message).toContain("replay or discard");
  });

  test("a host whose processing backlog is past its limit answers 503 with Retry-After", async () => {
    const response = await deliver("overloaded");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("overloaded");
  });

  test("a host whose disk is full answers 503 storage_full with Retry-After", async () => {
    const response = await deliver(new StorageFullError("the disk holding the ingress log is full", 7));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("storage_full");
  });

  test("while the host says it is overloaded, a webhook is answered 503 before its body is read or verified", async () => {
    let accepted = 0;
    const app = createApp({
      webhook_secrets: { dev: [secret] },
      admin_token: "a".repeat(20),
      body_bytes_max: 262_144,
      actors: { accept: async () => (accepted++, "accepted"), overloaded: () => true } as unknown as PaymentActorsPort,
      sink: { listDeadLetters: async () => [], ledgerAccounts: async () => [] },
      metrics: new MetricsRegistry(),
      health_checks: [],
      now: Date.now,
    });
    let body_read = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        body_read = true;
        controller.enqueue(new TextEncoder().encode("{}"));
        controller.close();
      },
    }, { highWaterMark: 0 });
    const response = await app.request("/webhooks/dev", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("overloaded");
    expect(body_read).toBe(false);
    expect(accepted).toBe(0);
    // An unknown source is still named as such.
    expect((await app.request("/webhooks/nope", { method: "POST", body: "{}" })).status).toBe(404);
  });

  test("a signed event is accepted again once the host is no longer overloaded", async () => {
    let overloaded = true;
    expect((await deliver("accepted", () => overloaded)).status).toBe(503);
    overloaded = false;
    expect((await deliver("accepted", () => overloaded)).status).toBe(202);
  });
});
