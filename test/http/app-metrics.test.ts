/** /metrics through `app.request`: each webhook answer is counted once, under what it means. */
import { expect, test } from "bun:test";
import { TransientError } from "../../src/core/errors.ts";
import { actorMetrics } from "../../src/hosts/actor-metrics.ts";
import { kafkaMetrics } from "../../src/ingest/kafka/kafka-metrics.ts";
import { MetricsRegistry } from "../../src/http/metrics.ts";
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

test("the actors' counters, histograms and the outbox backlog the README names are in /metrics", async () => {
  const { metrics, metricsText } = testApp();
  const actor = actorMetrics(metrics, 5);
  actor.increment("events_processed", 3);
  actor.increment("events_held");
  actor.increment("events_dead_lettered", 2);
  actor.increment("retries_scheduled");
  actor.increment("outage_waits");
  actor.increment("fraud_decisions_degraded");
  actor.increment("outbox_entries_added", 4);
  actor.increment("outbox_entries_flushed", 7);
  actor.observe("processing_latency_ms", 3);
  actor.observe("accepted_to_postgres_ms", 40);
  const text = await metricsText();
  expect({
    events_processed_total: sample(text, "events_processed_total"),
    events_held_total: sample(text, "events_held_total"),
    events_dead_lettered_total: sample(text, "events_dead_lettered_total"),
    retries_scheduled_total: sample(text, "retries_scheduled_total"),
    outage_waits_total: sample(text, "outage_waits_total"),
    fraud_decisions_degraded_total: sample(text, "fraud_decisions_degraded_total"),
    outbox_backlog_entries: sample(text, "outbox_backlog_entries"),
    processing_latency_ms_count: sample(text, "processing_latency_ms_count"),
    accepted_to_postgres_ms_count: sample(text, "accepted_to_postgres_ms_count"),
    flush_latency_ms_count: sample(text, "flush_latency_ms_count"),
  }).toEqual({
    events_processed_total: 3,
    events_held_total: 1,
    events_dead_lettered_total: 2,
    retries_scheduled_total: 1,
    outage_waits_total: 1,
    fraud_decisions_degraded_total: 1,
    // 5 stored at start, 4 added, 7 flushed.
    outbox_backlog_entries: 2,
    processing_latency_ms_count: 1,
    accepted_to_postgres_ms_count: 1,
    flush_latency_ms_count: 0,
  });
});

test("Cloudflare's per-isolate figures carry scope=\"isolate\" on every sample, and no backlog gauge that could go negative", async () => {
  const registry = new MetricsRegistry({ scope: "isolate" });
  const { actors, sendSigned, metricsText } = testApp({ metrics: registry });
  const actor = actorMetrics(registry, null);
  // An isolate that flushes what another isolate added: added minus flushed would be -3 here.
  actor.increment("outbox_entries_flushed", 3);
  actors.answers.push("accepted");
  expect((await sendSigned(event("payment.created", payment(), { amount: 100 }))).status).toBe(202);
  const text = await metricsText();
  const samples = text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
  expect(samples.length).toBeGreaterThan(20);
  for (const line of samples) expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*\{([^}]*,)?scope="isolate"\} \S+$/);
  expect(sample(text, "webhook_events_total", { outcome: "accepted", scope: "isolate" })).toBe(1);
  expect(sample(text, "outbox_entries_flushed_total", { scope: "isolate" })).toBe(3);
  expect(text).not.toContain("outbox_backlog_entries");
});

test("a client that goes away before its webhook body is read is counted in http_client_disconnects_total, not as a rejection", async () => {
  const { app, metricsText } = testApp();
  const gone = new AbortController();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      gone.abort();
      controller.error(new DOMException("the client went away", "AbortError"));
    },
  });
  const request = new Request("http://127.0.0.1/webhooks/dev", { method: "POST", body, signal: gone.signal, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit);
  const response = await app.request(request);
  expect(response.status).toBe(400);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("client_disconnected");
  const text = await metricsText();
  expect(sample(text, "http_client_disconnects_total")).toBe(1);
  expect(sample(text, "webhook_rejections_total")).toBe(0);
});

test("the Kafka consumer's figures the README names are in /metrics, per topic and partition, and a partition whose offsets are unknown has no sample", async () => {
  const { metrics, metricsText } = testApp();
  const kafka = kafkaMetrics(metrics, () => [
    { topic: "payments", partition: 0, committed_offset: 7, log_end_offset: 10, lag: 3 },
    { topic: "payments", partition: 1, committed_offset: null, log_end_offset: 4, lag: null },
  ]);
  kafka.record("payments", 0, "accepted");
  kafka.record("payments", 0, "accepted");
  kafka.record("payments", 0, "dead_lettered");
  kafka.deadLetter("payments", 0, "invalid_json");
  kafka.retry("inbox_full");
  kafka.commitLatency(12);
  const text = await metricsText();
  const partition = (number: number) => ({ topic: "payments", partition: String(number) });
  expect({
    lag: [sample(text, "kafka_consumer_lag", partition(0)), sample(text, "kafka_consumer_lag", partition(1))],
    committed: [sample(text, "kafka_consumer_committed_offset", partition(0)), sample(text, "kafka_consumer_committed_offset", partition(1))],
    log_end: [sample(text, "kafka_consumer_log_end_offset", partition(0)), sample(text, "kafka_consumer_log_end_offset", partition(1))],
    accepted: sample(text, "kafka_consumer_records_total", { ...partition(0), outcome: "accepted" }),
    dead_lettered: sample(text, "kafka_consumer_records_total", { ...partition(0), outcome: "dead_lettered" }),
    dead_letters: sample(text, "kafka_consumer_dead_letters_total", { ...partition(0), reason: "invalid_json" }),
    retries: sample(text, "kafka_consumer_backpressure_retries_total", { cause: "inbox_full" }),
    commits: sample(text, "kafka_consumer_commit_latency_ms_count"),
  }).toEqual({ lag: [3, null], committed: [7, null], log_end: [10, 4], accepted: 2, dead_lettered: 1, dead_letters: 1, retries: 1, commits: 1 });
});

test("the outbox backlog counts an entry the sink dead-lettered as gone (test/http/unwritable-row.test.ts checks it on the Bun host)", async () => {
  const { metrics, metricsText } = testApp();
  const actor = actorMetrics(metrics, 0);
  actor.increment("outbox_entries_added", 2);
  actor.increment("outbox_entries_dead_lettered");
  actor.increment("outbox_entries_flushed");
  const text = await metricsText();
  expect(sample(text, "outbox_backlog_entries")).toBe(0);
  expect(sample(text, "outbox_entries_dead_lettered_total")).toBe(1);
});
