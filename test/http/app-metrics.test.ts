/** /metrics through `app.request`: each webhook answer is counted once, under what it means. */
import { expect, test } from "bun:test";
import { TransientError } from "../../src/core/errors.ts";
import { event } from "../support/events.ts";
import { sample, testApp } from "../support/app-ports.ts";

const payment = () => `pay_${crypto.randomUUID()}`;

test("accepted and duplicate events are counted by outcome, and their latency observed", async () => {
  const { actors, sendSigned, metricsText } = testApp();
  actors.answers.push("accepted", "duplicate");
  expect((await sendSigned(event("payment.created", payment(), { amount: 100 }))).status).toBe(202);
  const duplicate = await sendSigned(event("payment.created", payment(), { amount: 100 }));
  expect(await duplicate.json()).toEqual({ status: "duplicate" });
  const text = await metricsText();
  expect(sample(text, "webhook_events_total", { outcome: "accepted" })).toBe(1);
  expect(sample(text, "webhook_events_total", { outcome: "duplicate" })).toBe(1);
  expect(sample(text, "webhook_acceptance_latency_ms_count")).toBe(2);
  expect(sample(text, "webhook_rejections_total")).toBe(0);
});

test("a 429 refusal is counted once, under its reason", async () => {
  const { actors, sendSigned, metricsText } = testApp();
  actors.answers.push("inbox_full", "dead_letters_full");
  expect((await sendSigned(event("payment.created", payment(), { amount: 100 }))).status).toBe(429);
  expect((await sendSigned(event("payment.created", payment(), { amount: 100 }))).status).toBe(429);
  const text = await metricsText();
  expect(sample(text, "webhook_rejections_total", { reason: "inbox_full" })).toBe(1);
  expect(sample(text, "webhook_rejections_total", { reason: "dead_letters_full" })).toBe(1);
  expect(sample(text, "webhook_events_total")).toBe(0);
});

test("a 503 from an overloaded host and a 503 from a transient error are each counted once", async () => {
  const { actors, sendSigned, metricsText } = testApp();
  actors.answers.push("overloaded", new TransientError("the actor's storage did not answer (test)"));
  expect((await sendSigned(event("payment.created", payment(), { amount: 100 }))).status).toBe(503);
  const transient = await sendSigned(event("payment.created", payment(), { amount: 100 }));
  expect(transient.status).toBe(503);
  expect(((await transient.json()) as { error: { code: string } }).error.code).toBe("temporarily_unavailable");
  const text = await metricsText();
  expect(sample(text, "webhook_rejections_total", { reason: "overloaded" })).toBe(1);
  expect(sample(text, "webhook_rejections_total", { reason: "temporarily_unavailable" })).toBe(1);
});

test("refusals before acceptance (signature, source, body) are counted once each", async () => {
  const { app, metricsText } = testApp();
  const unsigned = await app.request("/webhooks/dev", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
  expect(unsigned.status).toBe(401);
  const unknown = await app.request("/webhooks/nowhere", { method: "POST", body: "{}" });
  expect(unknown.status).toBe(404);
  const text = await metricsText();
  const code = ((await unsigned.json()) as { error: { code: string } }).error.code;
  expect(sample(text, "webhook_rejections_total", { reason: code })).toBe(1);
  expect(sample(text, "webhook_rejections_total", { reason: "unknown_source" })).toBe(1);
});

test("admin and operations answers are not webhook rejections", async () => {
  const { app, metricsText } = testApp();
  expect((await app.request("/dlq")).status).toBe(401);
  expect((await app.request("/payments/pay_x", { headers: { authorization: "Bearer wrong-token-wrong-token" } })).status).toBe(401);
  expect(sample(await metricsText(), "webhook_rejections_total")).toBe(0);
});

test("ignored provider events are counted by provider, type and reason", async () => {
  const { metrics, metricsText } = testApp();
  // The route records them (test/http/suite/providers.ts drives a real provider delivery); here the exposition.
  metrics.counter("webhook_provider_events_ignored_total", "help").increment(1, { provider: "stripe", type: "charge.dispute.created", reason: "unmapped_type" });
  expect(sample(await metricsText(), "webhook_provider_events_ignored_total", { provider: "stripe", type: "charge.dispute.created", reason: "unmapped_type" })).toBe(1);
});
