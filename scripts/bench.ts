/**
 * `npm run bench`: signed webhooks over loopback from this process into (1) a bare Bun.serve
 * that only parses JSON and answers 202 (the ceiling) and (2) the Bun host with its embedded
 * defaults, durable (an event is acknowledged once its fsync returned). Prints accepted
 * events/s, acknowledgement latency percentiles, and the time until every accepted event is
 * visible in Postgres.
 *
 * Each target first serves a warm-up of BENCH_WARMUP_EVENTS (default 10,000) events for other
 * payments, so that neither is measured while the JIT still compiles its hot paths. Then
 * BENCH_PASSES (default 3) measured passes, each of BENCH_EVENTS (default 40,000, at most the
 * stream's length) events for its own BENCH_PAYMENTS (default 10,000) payments, with
 * BENCH_CONCURRENCY (default 64) in flight, bounded by BENCH_SECONDS (default 30). Before each
 * host pass, everything earlier is in Postgres. Every pass is printed; the table shows each
 * target's median pass by events/s, since this machine's noise moves single passes by ±10%.
 *
 * Then, on the same host, a sustained sweep: for each rate of BENCH_SUSTAINED_RATES (default
 * "2000,5000,10000,15000" events/s; empty skips), BENCH_SUSTAINED_SECONDS (default 30) of
 * realistic shuffled lifecycles with duplicates, sent at that rate whatever the answers (an
 * open loop, as providers' webhooks arrive). Per rate: the answers, acknowledgement latency
 * (of the 202s) and refusal latency (of the 503s), latency from acceptance to the event's rows in Postgres (the host's
 * accepted_to_postgres_ms histogram, so "<= bucket"), the largest processing backlog, and CPU
 * and bytes written per event per thread (the threads name themselves: main is HTTP, then
 * actor, sink, checkpoint), from the first request until Postgres caught up; then the
 * sustained capacity: the highest rate at which everything was acknowledged with p99 <= 50 ms
 * and was in Postgres with p99 <= 1 s.
 *
 * With UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN set (e.g. at `npm run redis:dev`),
 * the host keeps velocity in Redis and the Redis round trips per fraud evaluation are printed.
 *
 * Then (3) the Cloudflare Worker on local workerd (scripts/bench-workerd.ts; BENCH_WORKERD=0
 * skips it): local workerd, not Cloudflare's network.
 *
 * Then (4) Kafka (scripts/bench-kafka.ts; BENCH_KAFKA=0 skips it): events/s from produce to
 * visible in Postgres through the Bun host's consumer, beside webhooks on the same host.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChildServer } from "./lib/child-server.ts";
import { eventStream } from "./lib/event-stream.ts";
import { latencySummary, sendAll, sendAtRate, signAll, type SendResult } from "./lib/sender.ts";
import { quantileBetween, readMetrics, sample } from "./lib/host-metrics.ts";
import { threadUsage, threadUsageSince, type ThreadUsage } from "./lib/thread-usage.ts";

const events_max = Number(process.env.BENCH_EVENTS ?? 40_000);
const seconds_max = Number(process.env.BENCH_SECONDS ?? 30);
const payments = Number(process.env.BENCH_PAYMENTS ?? 10_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const warmup_events = Number(process.env.BENCH_WARMUP_EVENTS ?? 10_000);
const passes = Math.max(1, Number(process.env.BENCH_PASSES ?? 3));
const sustained_rates = (process.env.BENCH_SUSTAINED_RATES ?? "2000,5000,10000,15000")
  .split(",")
  .map((rate) => Number(rate.trim()))
  .filter((rate) => rate > 0);
const sustained_seconds = Number(process.env.BENCH_SUSTAINED_SECONDS ?? 30);
const visible_timeout_ms = 180_000;
const CEILING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

interface Pass {
  result: SendResult;
  events_per_s: number;
  /** Host only: from the first request until every accepted event was in Postgres. */
  visible_ms?: number | null;
  usage?: Array<[string, ThreadUsage]>;
}

function pass(result: SendResult, extra: Omit<Pass, "result" | "events_per_s"> = {}): Pass {
  const acknowledged = result.statuses.get(202) ?? 0;
  return { result, events_per_s: Math.round((acknowledged / result.elapsed_ms) * 1000), ...extra };
}

function median(list: Pass[]): Pass {
  return [...list].sort((a, b) => a.events_per_s - b.events_per_s)[Math.floor(list.length / 2)]!;
}

function row(name: string, measured: Pass) {
  const latency = latencySummary(measured.result.latencies_ms);
  return {
    target: name,
    "events/s": measured.events_per_s,
    p50_ms: latency.p50.toFixed(2),
    p90_ms: latency.p90.toFixed(2),
    p99_ms: latency.p99.toFixed(2),
    max_ms: latency.max.toFixed(1),
    sent: measured.result.sent,
    "202": measured.result.statuses.get(202) ?? 0,
    other: [...measured.result.statuses].filter(([status]) => status !== 202).map(([status, n]) => `${status}:${n}`).join(" ") || "-",
  };
}

function describe(measured: Pass): string {
  const latency = latencySummary(measured.result.latencies_ms);
  const visible = measured.visible_ms === undefined ? "" : measured.visible_ms === null ? ", NOT all in Postgres" : `, all in Postgres after ${(measured.visible_ms / 1000).toFixed(1)} s`;
  return `${measured.events_per_s}/s p99 ${latency.p99.toFixed(1)} ms${visible}`;
}

const warm_stream = eventStream({ payments: Math.ceil(warmup_events / 3), seed: 3, prefix: "warm" }).slice(0, warmup_events);
const streams = Array.from({ length: passes }, (_, index) => eventStream({ payments, seed: 7 + index, prefix: `pass${index}` }).slice(0, events_max));
const send = (url: string, requests: Awaited<ReturnType<typeof signAll>>) => sendAll(url, requests, { concurrency, deadline_ms: seconds_max * 1000 });
console.log(
  `bench: ${passes} passes of ${streams[0]!.length} events over ${payments} payments each, after ${warm_stream.length} to warm up; concurrency ${concurrency}, at most ${seconds_max} s per pass`,
);

// 1. The ceiling.
const ceiling = await startChildServer("scripts/ceiling-server.ts", {}, { exit_if_it_dies: true });
await send(`${ceiling.url}/`, await signAll(warm_stream, CEILING_SECRET));
const ceiling_passes: Pass[] = [];
for (const stream of streams) ceiling_passes.push(pass(await send(`${ceiling.url}/`, await signAll(stream, CEILING_SECRET))));
await ceiling.stop();

// 2. The Bun host, durable, on the embedded defaults.
const data_dir = mkdtempSync(join(tmpdir(), "bench-"));
const host = await startChildServer("src/hosts/bun/main.ts", { DATA_DIR: data_dir }, { ready_path: "/health", exit_if_it_dies: true });
const secret = (JSON.parse(readFileSync(join(data_dir, "secrets.json"), "utf8")) as { webhook_secrets: { dev: string[] } }).webhook_secrets.dev[0]!;
/**
 * Waits until the host has nothing left to process or to write to Postgres (read twice, 100 ms
 * apart); the time that took, or null on timeout. Events held for a predecessor that was never
 * sent (the stream is cut at a pass's length) are not work left.
 */
async function visibleAfter(since: number): Promise<number | null> {
  const deadline = performance.now() + visible_timeout_ms;
  let idle_reads = 0;
  while (performance.now() < deadline) {
    const metrics = await readMetrics(host.url);
    const idle = ["ingress_log_entries", "processing_backlog", "outbox_backlog_entries", "processing_lag_seconds"].every((name) => sample(metrics, name) === 0);
    idle_reads = idle ? idle_reads + 1 : 0;
    if (idle_reads === 2) return performance.now() - 100 - since;
    await Bun.sleep(idle ? 100 : 50);
  }
  return null;
}

const warm = await send(`${host.url}/webhooks/dev`, await signAll(warm_stream, secret));
await visibleAfter(performance.now());
const host_passes: Pass[] = [];
for (const stream of streams) {
  const requests = await signAll(stream, secret);
  const usage_before = threadUsage(host.process.pid);
  const started = performance.now();
  const result = await send(`${host.url}/webhooks/dev`, requests);
  const usage = threadUsageSince(usage_before, threadUsage(host.process.pid));
  host_passes.push(pass(result, { visible_ms: await visibleAfter(started), usage }));
}

// 2b. Sustained load: open loops at fixed rates, as webhooks arrive in production.
interface SustainedStep {
  rate: number;
  result: SendResult;
  visible_p50_ms: number | null;
  visible_p99_ms: number | null;
  visible_max_ms: number | null;
  backlog_max: number;
  /** Per thread, from the first request until every accepted event was in Postgres. */
  usage: Array<[string, ThreadUsage]>;
  caught_up_ms: number | null;
}
const sustained: SustainedStep[] = [];
for (const [index, rate] of sustained_rates.entries()) {
  const count = Math.round(rate * sustained_seconds);
  const stream = eventStream({ payments: Math.ceil(count / 3), seed: 50 + index, prefix: `sustained${rate}` }).slice(0, count);
  const requests = await signAll(stream, secret);
  const metrics_before = await readMetrics(host.url);
  const usage_before = threadUsage(host.process.pid);
  let backlog_max = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await Bun.sleep(250);
      backlog_max = Math.max(backlog_max, sample(await readMetrics(host.url), "ingress_log_entries"));
    }
  })();
  const result = await sendAtRate(`${host.url}/webhooks/dev`, requests, rate);
  sampling = false;
  await sampler;
  const last_request = performance.now();
  const caught_up_ms = await visibleAfter(last_request);
  // Until caught up, not until the last request: past capacity, much of the work comes after.
  const usage = threadUsageSince(usage_before, threadUsage(host.process.pid));
  const metrics_after = await readMetrics(host.url);
  const visible = (fraction: number) => quantileBetween(metrics_before, metrics_after, "accepted_to_postgres_ms", fraction);
  sustained.push({ rate, result, visible_p50_ms: visible(0.5), visible_p99_ms: visible(0.99), visible_max_ms: visible(1), backlog_max, usage, caught_up_ms });
  const step = sustained.at(-1)!;
  console.log(`sustained ${rate}/s: ${describeStep(step)}`);
}

/** `actor 150 µs, ...; written actor 44.1 KiB, ...`: CPU and bytes written by each thread, per event. */
function describeUsage(usage: Array<[string, ThreadUsage]>, events: number): string {
  const cpu = usage.map(([name, { cpu_ms }]) => `${name} ${((cpu_ms * 1000) / events).toFixed(0)} µs`);
  const written = usage
    .filter(([, { written_bytes }]) => written_bytes / events >= 100)
    .map(([name, { written_bytes }]) => `${name} ${(written_bytes / events / 1024).toFixed(1)} KiB`);
  return `${cpu.join(", ")}; written ${written.length === 0 ? "-" : written.join(", ")}`;
}

function describeStep(step: SustainedStep): string {
  const latency = latencySummary(step.result.latencies_by_status.get(202) ?? []);
  const statuses = [...step.result.statuses].map(([status, n]) => `${status}:${n}`).join(" ");
  const bound = (ms: number | null) => (ms === null ? "-" : `<=${ms}`);
  const accepted = Math.max(1, step.result.statuses.get(202) ?? 0);
  return (
    `sent ${step.result.sent} (${statuses}); ack p50 ${latency.p50.toFixed(1)} p99 ${latency.p99.toFixed(1)} max ${latency.max.toFixed(0)} ms; ` +
    `to Postgres p50 ${bound(step.visible_p50_ms)} p99 ${bound(step.visible_p99_ms)} max ${bound(step.visible_max_ms)} ms; backlog max ${step.backlog_max}; ` +
    `${step.caught_up_ms === null ? "NOT caught up" : `caught up ${(step.caught_up_ms / 1000).toFixed(1)} s after the last request`}; ` +
    `per event: CPU ${describeUsage(step.usage.slice(0, 5), accepted)}`
  );
}

const metrics = await readMetrics(host.url);
await host.stop();
rmSync(data_dir, { recursive: true, force: true });

const ceiling_median = median(ceiling_passes);
const host_median = median(host_passes);
console.log(`ceiling passes: ${ceiling_passes.map(describe).join("; ")}`);
console.log(`host passes:    ${host_passes.map(describe).join("; ")}`);
console.table([row("bare Bun.serve (ceiling)", ceiling_median), row("Bun host (durable: ack after fsync)", host_median)]);
const accepted = host_median.result.outcomes.get("accepted") ?? 0;
console.log(`host/ceiling (medians): ${((host_median.events_per_s / ceiling_median.events_per_s) * 100).toFixed(0)}%  (target >= 40%, p99 < 25 ms)`);
console.log(
  `median host pass: accepted ${accepted}, duplicates ${host_median.result.outcomes.get("duplicate") ?? 0}; ` +
    (host_median.visible_ms == null
      ? `NOT all accepted events visible in Postgres within ${visible_timeout_ms / 1000} s`
      : `all visible in Postgres ${(host_median.visible_ms / 1000).toFixed(1)} s after its first request (sending took ${(host_median.result.elapsed_ms / 1000).toFixed(1)} s)`),
);
console.log(`group commits of the actor database, whole run: ${sample(metrics, "actor_storage_commits")}`);
// With UPSTASH_REDIS_REST_* set (the host inherits this environment), velocity is in Redis.
const redis_evaluations = sample(metrics, "velocity_redis_evaluations");
if (redis_evaluations > 0) {
  const round_trips = sample(metrics, "velocity_redis_round_trips");
  console.log(`velocity in Redis: ${redis_evaluations} fraud evaluations, ${round_trips} round trips (${(round_trips / redis_evaluations).toFixed(3)} per evaluation)`);
}
const accepted_median = Math.max(1, accepted);
console.log(
  `host while sending (median pass), per accepted event: CPU ${describeUsage(host_median.usage ?? [], accepted_median)}`,
);

if (sustained.length > 0) {
  console.log(`\nsustained sweep, ${sustained_seconds} s per rate (open loop, realistic lifecycles with duplicates):`);
  console.table(
    sustained.map((step) => {
      const latency = latencySummary(step.result.latencies_by_status.get(202) ?? []);
      const refusal = latencySummary(step.result.latencies_by_status.get(503) ?? []);
      const status = (code: number) => step.result.statuses.get(code) ?? 0;
      return {
        "rate/s": step.rate,
        sent: step.result.sent,
        "202": status(202),
        "429": status(429),
        "503": status(503),
        ack_p50_ms: latency.p50.toFixed(1),
        ack_p99_ms: latency.p99.toFixed(1),
        ack_max_ms: latency.max.toFixed(0),
        "503_p99_ms": status(503) === 0 ? "-" : refusal.p99.toFixed(1),
        pg_p50_ms: step.visible_p50_ms === null ? "-" : `<=${step.visible_p50_ms}`,
        pg_p99_ms: step.visible_p99_ms === null ? "-" : `<=${step.visible_p99_ms}`,
        pg_max_ms: step.visible_max_ms === null ? "-" : `<=${step.visible_max_ms}`,
        backlog_max: step.backlog_max,
        host_cpu_us: Math.round((step.usage.reduce((sum, [, { cpu_ms }]) => sum + cpu_ms, 0) * 1000) / Math.max(1, status(202))),
        actor_written_kib: ((step.usage.find(([name]) => name === "actor")?.[1].written_bytes ?? 0) / Math.max(1, status(202)) / 1024).toFixed(1),
      };
    }),
  );
  const meets = (step: SustainedStep) =>
    step.result.sent > 0 &&
    (step.result.statuses.get(202) ?? 0) === step.result.sent &&
    latencySummary(step.result.latencies_by_status.get(202) ?? []).p99 <= 50 &&
    step.visible_p99_ms !== null &&
    step.visible_p99_ms <= 1_000 &&
    step.caught_up_ms !== null;
  const capacity = sustained.filter(meets).map((step) => step.rate);
  console.log(
    capacity.length > 0
      ? `sustained capacity: ${Math.max(...capacity)} events/s (every event acknowledged, ack p99 <= 50 ms, in Postgres p99 <= 1 s)`
      : "sustained capacity: no rate of the sweep met the bar (every event acknowledged, ack p99 <= 50 ms, in Postgres p99 <= 1 s)",
  );
}

if (process.env.BENCH_WORKERD !== "0") {
  console.log("");
  const workerd = Bun.spawn([process.execPath, "run", "scripts/bench-workerd.ts"], { stdout: "inherit", stderr: "inherit" });
  await workerd.exited;
}

if (process.env.BENCH_KAFKA !== "0") {
  console.log("");
  const kafka = Bun.spawn([process.execPath, "run", "scripts/bench-kafka.ts"], { stdout: "inherit", stderr: "inherit" });
  await kafka.exited;
}
