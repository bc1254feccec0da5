/**
 * The workerd target of the benchmark: signed webhooks over loopback into the production
 * Worker on local workerd (Miniflare, Durable Objects on SQLite in a temp folder), with the
 * sink writers flushing to a throwaway PostgreSQL through Neon's driver and a local ws proxy.
 * Local workerd, not Cloudflare's network: no edge latency, one process, two cores shared
 * with the sender and PostgreSQL.
 *
 *   npm run bench (after the Bun host), or alone: bun run scripts/bench-workerd.ts
 * Bounded like scripts/bench.ts: BENCH_EVENTS (default 10,000) or BENCH_SECONDS (30),
 * BENCH_PAYMENTS (2,500), BENCH_CONCURRENCY (64); SINK_WRITER_COUNT (4).
 */
import { eventStream } from "./lib/event-stream.ts";
import { latencySummary, sendAll, signAll } from "./lib/sender.ts";
import { countPaymentEvents } from "../src/sink/queries.ts";
import { startWorkerdHost } from "../test/support/workerd-host.ts";

const events_max = Number(process.env.BENCH_EVENTS ?? 10_000);
const seconds_max = Number(process.env.BENCH_SECONDS ?? 30);
const payments = Number(process.env.BENCH_PAYMENTS ?? 2_500);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const sink_writers = process.env.SINK_WRITER_COUNT ?? "4";
const visible_timeout_ms = 180_000;

const stream = eventStream({ payments, seed: 7 }).slice(0, events_max);
console.log(`bench (workerd): ${stream.length} events over ${payments} payments, concurrency ${concurrency}, ${sink_writers} sink writers, at most ${seconds_max} s`);

const host = await startWorkerdHost({ variables: { SINK_WRITER_COUNT: sink_writers, BODY_BYTES_MAX: String(256 * 1024), HOLD_TIMEOUT_MS: "900000" } });
try {
  const url = `${host.workerd.url()}/webhooks/dev`;
  const requests = await signAll(stream, host.webhook_secret);
  // Warm-up on payments of their own, so isolates and objects are created before timing.
  const warm = await signAll(eventStream({ payments: 200, seed: 99 }).slice(0, 1_000).map((event) => ({ ...event, id: `warm_${event.id}`, payment_id: `warm_${event.payment_id}` })), host.webhook_secret);
  await sendAll(url, warm, { concurrency, deadline_ms: 20_000 });
  const warm_events = await countUntilStable(host.database);

  const started = performance.now();
  const result = await sendAll(url, requests, { concurrency, deadline_ms: seconds_max * 1000 });
  const accepted = result.outcomes.get("accepted") ?? 0;
  let visible_ms: number | null = null;
  const deadline = performance.now() + visible_timeout_ms;
  while (performance.now() < deadline) {
    if ((await countPaymentEvents(host.database)) - warm_events >= accepted) {
      visible_ms = performance.now() - started;
      break;
    }
    await Bun.sleep(100);
  }
  const latency = latencySummary(result.latencies_ms);
  console.table([
    {
      target: `local workerd (${sink_writers} sink writers, ${host.database_kind})`,
      "events/s": Math.round(((result.statuses.get(202) ?? 0) / result.elapsed_ms) * 1000),
      p50_ms: latency.p50.toFixed(2),
      p90_ms: latency.p90.toFixed(2),
      p99_ms: latency.p99.toFixed(2),
      max_ms: latency.max.toFixed(1),
      sent: result.sent,
      "202": result.statuses.get(202) ?? 0,
      other: [...result.statuses].filter(([status]) => status !== 202).map(([status, n]) => `${status}:${n}`).join(" ") || "-",
    },
  ]);
  console.log(
    visible_ms === null
      ? `NOT all ${accepted} accepted events visible in Postgres within ${visible_timeout_ms / 1000} s`
      : `all ${accepted} accepted events visible in Postgres ${(visible_ms / 1000).toFixed(1)} s after the first request (sending took ${(result.elapsed_ms / 1000).toFixed(1)} s)`,
  );
} finally {
  await host.stop();
}

async function countUntilStable(database: Parameters<typeof countPaymentEvents>[0]): Promise<number> {
  let last = -1;
  for (let i = 0; i < 100; i += 1) {
    const count = await countPaymentEvents(database);
    if (count === last) return count;
    last = count;
    await Bun.sleep(200);
  }
  return last;
}
