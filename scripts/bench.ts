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
 * Then, on the same host, BENCH_SUSTAINED_RATE events/s (default 2,000; 0 skips) for
 * BENCH_SUSTAINED_SECONDS (default 8), sent at that rate whatever the answers (an open loop):
 * acknowledgement latency under steady load, and how far Postgres falls behind.
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
import { threadCpu, threadCpuSince, type ThreadCpu } from "./lib/thread-cpu.ts";

const events_max = Number(process.env.BENCH_EVENTS ?? 40_000);
const seconds_max = Number(process.env.BENCH_SECONDS ?? 30);
const payments = Number(process.env.BENCH_PAYMENTS ?? 10_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const warmup_events = Number(process.env.BENCH_WARMUP_EVENTS ?? 10_000);
const passes = Math.max(1, Number(process.env.BENCH_PASSES ?? 3));
const sustained_rate = Number(process.env.BENCH_SUSTAINED_RATE ?? 2_000);
const sustained_seconds = Number(process.env.BENCH_SUSTAINED_SECONDS ?? 8);
const visible_timeout_ms = 180_000;
const CEILING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

interface Pass {
  result: SendResult;
  events_per_s: number;
  /** Host only: from the first request until every accepted event was in Postgres. */
  visible_ms?: number | null;
  cpu?: Array<[string, number]>;
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
const ceiling = await startChildServer("scripts/ceiling-server.ts", {}, {});
await send(`${ceiling.url}/`, await signAll(warm_stream, CEILING_SECRET));
const ceiling_passes: Pass[] = [];
for (const stream of streams) ceiling_passes.push(pass(await send(`${ceiling.url}/`, await signAll(stream, CEILING_SECRET))));
await ceiling.stop();

// 2. The Bun host, durable, on the embedded defaults.
const data_dir = mkdtempSync(join(tmpdir(), "bench-"));
const host = await startChildServer("src/hosts/bun/main.ts", { DATA_DIR: data_dir }, { ready_path: "/health" });
const secret = (JSON.parse(readFileSync(join(data_dir, "secrets.json"), "utf8")) as { webhook_secrets: { dev: string[] } }).webhook_secrets.dev[0]!;
const paymentEventsInPostgres = async () => {
  const health = (await (await fetch(`${host.url}/health`)).json()) as { checks: { postgres?: { payment_events?: number } } };
  return health.checks.postgres?.payment_events ?? 0;
};
/** Waits until Postgres holds `count` payment events; the time it took, or null on timeout. */
async function visibleAfter(count: number, since: number): Promise<number | null> {
  const deadline = performance.now() + visible_timeout_ms;
  while (performance.now() < deadline) {
    if ((await paymentEventsInPostgres()) >= count) return performance.now() - since;
    await Bun.sleep(50);
  }
  return null;
}

const warm = await send(`${host.url}/webhooks/dev`, await signAll(warm_stream, secret));
let in_postgres = warm.outcomes.get("accepted") ?? 0;
await visibleAfter(in_postgres, performance.now());
const host_passes: Pass[] = [];
for (const stream of streams) {
  const requests = await signAll(stream, secret);
  const cpu_before: ThreadCpu = threadCpu(host.process.pid);
  const started = performance.now();
  const result = await send(`${host.url}/webhooks/dev`, requests);
  const cpu = threadCpuSince(cpu_before, threadCpu(host.process.pid));
  in_postgres += result.outcomes.get("accepted") ?? 0;
  host_passes.push(pass(result, { visible_ms: await visibleAfter(in_postgres, started), cpu }));
}

// 2b. Sustained load: an open loop at a fixed rate, as webhooks arrive in production. How fast
// acknowledgements stay, and how far Postgres falls behind.
let sustained: { result: SendResult; lag_events_max: number; caught_up_ms: number | null } | null = null;
if (sustained_rate > 0 && sustained_seconds > 0) {
  const stream = eventStream({ payments: Math.ceil((sustained_rate * sustained_seconds) / 3), seed: 5, prefix: "sustained" }).slice(
    0,
    sustained_rate * sustained_seconds,
  );
  const requests = await signAll(stream, secret);
  const before = in_postgres;
  let lag_events_max = 0;
  let sampling = true;
  const started = performance.now();
  const sampler = (async () => {
    while (sampling) {
      await Bun.sleep(250);
      const sent = Math.min(requests.length, Math.floor(((performance.now() - started) / 1000) * sustained_rate));
      lag_events_max = Math.max(lag_events_max, sent - ((await paymentEventsInPostgres()) - before));
    }
  })();
  const result = await sendAtRate(`${host.url}/webhooks/dev`, requests, sustained_rate);
  sampling = false;
  await sampler;
  const last_request = performance.now();
  in_postgres += result.outcomes.get("accepted") ?? 0;
  const caught_up_ms = await visibleAfter(in_postgres, last_request);
  sustained = { result, lag_events_max, caught_up_ms };
}

const metrics = await (await fetch(`${host.url}/metrics`)).text();
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
console.log(`group commits of the actor database, whole run: ${/actor_storage_commits (\d+)/.exec(metrics)?.[1]}`);
const accepted_median = Math.max(1, accepted);
console.log(
  `host CPU while sending (median pass), per accepted event: ${(host_median.cpu ?? []).map(([name, ms]) => `${name} ${((ms * 1000) / accepted_median).toFixed(0)} µs`).join(", ")}`,
);

if (sustained) {
  const latency = latencySummary(sustained.result.latencies_ms);
  const refused = [...sustained.result.statuses].filter(([status]) => status !== 202);
  console.log(
    `sustained ${sustained_rate} events/s for ${sustained_seconds} s (open loop): acknowledgement p50 ${latency.p50.toFixed(2)} ms, ` +
      `p99 ${latency.p99.toFixed(2)} ms, max ${latency.max.toFixed(1)} ms${refused.length > 0 ? `, not 202: ${refused.map(([status, n]) => `${status}:${n}`).join(" ")}` : ""}; ` +
      `Postgres at most ${sustained.lag_events_max} events (${(sustained.lag_events_max / sustained_rate).toFixed(1)} s) behind, ` +
      (sustained.caught_up_ms === null ? "NOT caught up" : `caught up ${(sustained.caught_up_ms / 1000).toFixed(1)} s after the last request`),
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
