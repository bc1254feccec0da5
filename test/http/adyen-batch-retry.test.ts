/**
 * Adyen's all or nothing across actors, on real payment actors (bun:sqlite): a batch whose
 * items go to different payments is answered [accepted] only when every item is durable; when
 * one payment refuses (its inbox is full) the batch is answered 429, and Adyen's retry of the
 * whole batch applies every item exactly once, the items made durable the first time being
 * duplicates.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createApp } from "../../src/http/app.ts";
import { MetricsRegistry } from "../../src/http/metrics.ts";
import type { PaymentActorsPort } from "../../src/http/ports.ts";
import { mergeWebhookSources } from "../../src/ingest/webhook-sources.ts";
import { createActorHarness, type ActorHarness } from "../support/actor-harness.ts";
import { adyenHmacKey, adyenItem, adyenNotification, signAdyenItem } from "../support/provider-payloads.ts";

const KEY = adyenHmacKey();
let harness: ActorHarness | null = null;

afterEach(async () => {
  await harness?.close();
  harness = null;
});

function app(actors: ActorHarness) {
  const sources = mergeWebhookSources({}, JSON.stringify({ adyen: { provider: "adyen", secrets: [KEY] } }));
  if (!sources.ok) throw new Error(sources.error.message);
  const port = { accept: (event, source) => actors.accept(event, source) } as Partial<PaymentActorsPort> as PaymentActorsPort;
  return createApp({
    webhook_secrets: {},
    webhook_sources: sources.value,
    admin_token: "a".repeat(20),
    body_bytes_max: 262_144,
    actors: port,
    sink: { listDeadLetters: async () => [], ledgerAccounts: async () => [] },
    metrics: new MetricsRegistry(),
    health_checks: [],
    now: actors.now,
  });
}

describe("an Adyen batch across payments", () => {
  test("is refused while one payment cannot take its items, and its retry applies every item once", async () => {
    harness = createActorHarness({ limits: { inbox_messages_max: 2 } });
    // Alarms do not fire by themselves here: nothing drains an inbox while the batch is
    // admitted (processing may start as soon as the first item is stored), and settle()
    // below runs the handlers itself.
    await harness.system.scheduler.stop();
    const http = app(harness);
    const items = [
      adyenItem({ eventCode: "AUTHORISATION", pspReference: "PAY_A", value: 500 }),
      adyenItem({ eventCode: "AUTHORISATION", pspReference: "PAY_B", value: 1000 }),
      adyenItem({ eventCode: "CAPTURE", pspReference: "CAP_B", originalReference: "PAY_B", value: 1000 }),
      adyenItem({ eventCode: "REFUND", pspReference: "REF_B", originalReference: "PAY_B", value: 400 }),
    ].map((item) => signAdyenItem(item, KEY));
    const deliver = () => http.request("/webhooks/adyen", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(adyenNotification(items)) });

    const first = await deliver();
    expect(first.status).toBe(429);
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe("inbox_full");

    // Processing frees PAY_B's inbox; Adyen retries the whole batch.
    await harness.settle("PAY_A");
    await harness.settle("PAY_B");
    const retry = await deliver();
    expect({ status: retry.status, body: await retry.text() }).toEqual({ status: 200, body: "[accepted]" });
    await harness.settle("PAY_B");

    expect(harness.inspect("PAY_A")).toMatchObject({ status: "authorized", version: 1 });
    const b = harness.inspect("PAY_B");
    expect(b).toMatchObject({ status: "partially_refunded", version: 3, amounts: { authorized: 1000, captured: 1000, refunded: 400 } });
    expect(b.events.map((event) => event.id)).toEqual(["adyen:PAY_B:AUTHORISATION:true", "adyen:CAP_B:CAPTURE:true", "adyen:REF_B:REFUND:true"]);
  });

  test("with one item that cannot be mapped, writes nothing for any payment", async () => {
    harness = createActorHarness();
    const http = app(harness);
    const items = [
      signAdyenItem(adyenItem({ eventCode: "AUTHORISATION", pspReference: "PAY_C", value: 500 }), KEY),
      signAdyenItem(adyenItem({ eventCode: "AUTHORISATION", pspReference: "PAY_D", value: 500, currency: "XYZ" }), KEY),
    ];
    const response = await http.request("/webhooks/adyen", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(adyenNotification(items)) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "invalid_currency", message: expect.stringContaining("notificationItems[1]") });
    expect(harness.actor("PAY_C").inspect()).toBeNull();
    expect(harness.actor("PAY_D").inspect()).toBeNull();
  });
});
