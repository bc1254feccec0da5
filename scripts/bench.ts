/**
 * `npm run bench`: signed webhooks over loopback from this process into (1) a bare Bun.serve
 * that only parses JSON and answers 202 (the ceiling) and (2) the Bun host with its embedded
 * defaults, durable (synchronous=FULL). Prints accepted events/s, acknowledgement latency
 * percentiles, and the time until every accepted event is visible in Postgres.
 *
 * Bounded: BENCH_EVENTS events (default 40,000) or BENCH_SECONDS (default 30) per target.
 * BENCH_PAYMENTS (default 10,000) payments, BENCH_CONCURRENCY (default 64) in flight.
 * Then (3) the Cloudflare Worker on local workerd (scripts/bench-workerd.ts; BENCH_WORKERD=0
 * skips it): local workerd, not Cloudflare's network.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChildServer } from "./lib/child-server.ts";
import { eventStream } from "./lib/event-stream.ts";
import { latencySummary, sendAll, signAll, type SendResult } from "./lib/sender.ts";

const events_max = Number(process.env.BENCH_EVENTS ?? 40_000);
const seconds_max = Number(process.env.BENCH_SECONDS ?? 30);
const payments = Number(process.env.BENCH_PAYMENTS ?? 10_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
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

// 1. The ceiling.
const ceiling = await startChildServer("scripts/ceiling-server.ts", {}, {});
const ceiling_requests = await signAll(stream, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
await sendAll(`${ceiling.url}/`, ceiling_requests.slice(0, 2_000), { concurrency, deadline_ms: 10_000 });
const ceiling_result = await sendAll(`${ceiling.url}/`, ceiling_requests, { concurrency, deadline_ms: seconds_max * 1000 });
await ceiling.stop();

// 2. The Bun host, durable, on the embedded defaults.
const data_dir = mkdtempSync(join(tmpdir(), "bench-"));
const host = await startChildServer("src/hosts/bun/main.ts", { DATA_DIR: data_dir }, { ready_path: "/health" });
const secrets = JSON.parse(readFileSync(join(data_dir, "secrets.json"), "utf8")) as {
  webhook_secrets: { dev: string[] };
  admin_token: string;
};
const requests = await signAll(stream, secrets.webhook_secrets.dev[0]!);
const started = performance.now();
const host_result = await sendAll(`${host.url}/webhooks/dev`, requests, { concurrency, deadline_ms: seconds_max * 1000 });
const accepted = host_result.outcomes.get("accepted") ?? 0;

let visible_ms: number | null = null;
const deadline = performance.now() + visible_timeout_ms;
while (performance.now() < deadline) {
  const health = (await (await fetch(`${host.url}/health`)).json()) as { checks: { postgres?: { payment_events?: number } } };
  if ((health.checks.postgres?.payment_events ?? 0) >= accepted) {
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

if (process.env.BENCH_WORKERD !== "0") {
  console.log("");
  const workerd = Bun.spawn([process.execPath, "run", "scripts/bench-workerd.ts"], { stdout: "inherit", stderr: "inherit" });
  await workerd.exited;
}
