/**
 * `npm run bench`: signed webhooks over loopback from this process into (1) a bare Bun.serve
 * that only parses JSON and answers 202 (the ceiling) and (2) the Bun host with its embedded
 * defaults, durable (synchronous=FULL). Prints accepted events/s, acknowledgement latency
 * percentiles, and the time until every accepted event is visible in Postgres.
 *
 * Bounded: BENCH_EVENTS events (default 40,000) or BENCH_SECONDS (default 30) per target.
 * BENCH_PAYMENTS (default 10,000) payments, BENCH_CONCURRENCY (default 64) in flight. Before
 * it is measured, each target serves BENCH_WARMUP_EVENTS (default 10,000) events for other
 * payments, and the host processes them into Postgres.
 * Then (3) the Cloudflare Worker on local workerd (scripts/bench-workerd.ts; BENCH_WORKERD=0
 * skips it): local workerd, not Cloudflare's network.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChildServer } from "./lib/child-server.ts";
import { eventStream } from "./lib/event-stream.ts";
import { threadCpu, threadCpuSince } from "./lib/thread-cpu.ts";
import { latencySummary, sendAll, signAll, type SendResult } from "./lib/sender.ts";

const events_max = Number(process.env.BENCH_EVENTS ?? 40_000);
const seconds_max = Number(process.env.BENCH_SECONDS ?? 30);
const payments = Number(process.env.BENCH_PAYMENTS ?? 10_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const warmup_events = Number(process.env.BENCH_WARMUP_EVENTS ?? 10_000);
const visible_timeout_ms = 180_000;

function report(name: string, result: SendResult) {
  const latency = latencySummary(result.latencies_ms);
  const acknowledged = result.statuses.get(202) ?? 0;
  return {
    target: name,
    "events/s": Math.round((acknowledged / result.elapsed_ms) * 1000),
    p50_ms: latency.p50.toFixed(2),
    p90_ms: latency.p90.toFixed(2),
    p99_ms: latency.p99.toFixed(2),
    max_ms: latency.max.toFixed(1),
    sent: result.sent,
    "202": acknowledged,
    other: [...result.statuses].filter(([status]) => status !== 202).map(([status, n]) => `${status}:${n}`).join(" ") || "-",
  };
}

const stream = eventStream({ payments, seed: 7 }).slice(0, events_max);
console.log(`bench: ${stream.length} events over ${payments} payments, concurrency ${concurrency}, at most ${seconds_max} s per target`);

// Both targets first serve the same warm-up pass, on other payments, so that neither is
// measured while the JIT is still compiling its hot paths: a server in production is warm.
const warm_stream = eventStream({ payments: Math.ceil(warmup_events / 3), seed: 3, prefix: "warm" }).slice(0, warmup_events);

// 1. The ceiling.
const ceiling = await startChildServer("scripts/ceiling-server.ts", {}, {});
const ceiling_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
await sendAll(`${ceiling.url}/`, await signAll(warm_stream, ceiling_secret), { concurrency, deadline_ms: seconds_max * 1000 });
const ceiling_result = await sendAll(`${ceiling.url}/`, await signAll(stream, ceiling_secret), { concurrency, deadline_ms: seconds_max * 1000 });
await ceiling.stop();

// 2. The Bun host, durable, on the embedded defaults.
const data_dir = mkdtempSync(join(tmpdir(), "bench-"));
const host = await startChildServer("src/hosts/bun/main.ts", { DATA_DIR: data_dir }, { ready_path: "/health" });
const secrets = JSON.parse(readFileSync(join(data_dir, "secrets.json"), "utf8")) as {
  webhook_secrets: { dev: string[] };
  admin_token: string;
};
const paymentEventsInPostgres = async () => {
  const health = (await (await fetch(`${host.url}/health`)).json()) as { checks: { postgres?: { payment_events?: number } } };
  return health.checks.postgres?.payment_events ?? 0;
};
const warm_result = await sendAll(`${host.url}/webhooks/dev`, await signAll(warm_stream, secrets.webhook_secrets.dev[0]!), {
  concurrency,
  deadline_ms: seconds_max * 1000,
});
// The measured pass starts once the warm-up is processed and in Postgres.
const warm_accepted = warm_result.outcomes.get("accepted") ?? 0;
const warm_deadline = performance.now() + visible_timeout_ms;
while ((await paymentEventsInPostgres()) < warm_accepted && performance.now() < warm_deadline) await Bun.sleep(100);

const requests = await signAll(stream, secrets.webhook_secrets.dev[0]!);
const cpu_before = threadCpu(host.process.pid);
const started = performance.now();
const host_result = await sendAll(`${host.url}/webhooks/dev`, requests, { concurrency, deadline_ms: seconds_max * 1000 });
const accepted = host_result.outcomes.get("accepted") ?? 0;
const cpu_sending = threadCpuSince(cpu_before, threadCpu(host.process.pid));

let visible_ms: number | null = null;
const deadline = performance.now() + visible_timeout_ms;
while (performance.now() < deadline) {
  if ((await paymentEventsInPostgres()) >= warm_accepted + accepted) {
    visible_ms = performance.now() - started;
    break;
  }
  await Bun.sleep(50);
}
const metrics = await (await fetch(`${host.url}/metrics`)).text();
await host.stop();
rmSync(data_dir, { recursive: true, force: true });

const rows = [report("bare Bun.serve (ceiling)", ceiling_result), report("Bun host (durable: ack after fsync)", host_result)];
console.table(rows);
const ratio = rows[1]!["events/s"] / rows[0]!["events/s"];
const commits = /actor_storage_commits (\d+)/.exec(metrics)?.[1];
console.log(`host/ceiling: ${(ratio * 100).toFixed(0)}%  (target >= 40%, p99 < 25 ms)`);
console.log(`accepted ${accepted}, duplicates ${host_result.outcomes.get("duplicate") ?? 0}; group commits: ${commits}`);
console.log(
  visible_ms === null
    ? `NOT all accepted events visible in Postgres within ${visible_timeout_ms / 1000} s`
    : `all ${accepted} accepted events visible in Postgres ${(visible_ms / 1000).toFixed(1)} s after the first request (sending took ${(host_result.elapsed_ms / 1000).toFixed(1)} s)`,
);

console.log(
  `host CPU while sending, per accepted event: ${cpu_sending.map(([name, ms]) => `${name} ${((ms * 1000) / Math.max(1, accepted)).toFixed(0)} µs`).join(", ")}`,
);

if (process.env.BENCH_WORKERD !== "0") {
  console.log("");
  const workerd = Bun.spawn([process.execPath, "run", "scripts/bench-workerd.ts"], { stdout: "inherit", stderr: "inherit" });
  await workerd.exited;
}
