/**
 * `bun run scripts/actor-cost.ts`: what the Bun host's actor thread costs an event, measured
 * in one process without HTTP, the ingress log or Postgres: the actor system, payment actors
 * and embedded velocity over one actor database (committing at most every 5 ms, as the host's
 * does), fed realistic lifecycles (shuffled, with duplicates) at a fixed rate, with a sink
 * that answers every flush after 20 ms. It prints the CPU of the thread that runs the actors
 * (the process's main thread here), the bytes that thread wrote (WAL frames) and the
 * commits, an event each. Bounded: it stops by itself.
 *
 *   ACTOR_COST_RATE       events a second (default 2000)
 *   ACTOR_COST_SECONDS    seconds of events (default 12)
 *   ACTOR_COST_DATABASE   file (default: a fresh actors.sqlite with fsync) or memory (SQLite
 *                         in memory: what the actor thread costs without the disk)
 *   ACTOR_COST_SINK       delay (default: a sink that answers after 20 ms) or thread (the
 *                         host's sink thread and batcher, with embedded PGlite: the actor
 *                         thread then also merges and posts the rows, and the sink thread's
 *                         CPU is printed too)
 *   ACTOR_COST_PAGES      1: also which pages the first 300 commits wrote, by table (for
 *                         where COMMIT's time goes; the sampling costs the thread CPU)
 *
 * Compare variants within one run of the machine, alternated: runs of one tree vary by ±10%.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../actors/bun/actor-database.ts";
import { BunActorSystem } from "../actors/bun/bun-actor-system.ts";
import { paymentActorLimits } from "../actors/payment/limits.ts";
import { PaymentActor } from "../actors/payment/payment-actor.ts";
import { PENDING_WORK_PREFIXES } from "../actors/payment/storage-layout.ts";
import type { SinkRows } from "../src/core/postgres-rows.ts";
import { DEFAULT_LIMITS } from "../src/core/config.ts";
import { actorMetrics } from "../src/hosts/actor-metrics.ts";
import { ACTORS_COMMIT_INTERVAL_MS } from "../src/hosts/bun/actor-processing.ts";
import { loadBunConfig } from "../src/hosts/bun/config.ts";
import { deliverIngressMessage } from "../src/hosts/bun/ingress-delivery.ts";
import { MetricsRegistry } from "../src/http/metrics.ts";
import { EmbeddedVelocityStore } from "../src/velocity/embedded-sqlite.ts";
import { SinkThread, sinkBatcher } from "../src/hosts/bun/sink-thread.ts";
import { eventStream } from "./lib/event-stream.ts";
import { threadUsage, threadUsageSince } from "./lib/thread-usage.ts";
import { countWalPages } from "./lib/wal-pages.ts";

const rate = Number(process.env.ACTOR_COST_RATE ?? 2000);
const seconds = Number(process.env.ACTOR_COST_SECONDS ?? 12);
const in_memory = process.env.ACTOR_COST_DATABASE === "memory";
const sink_thread = process.env.ACTOR_COST_SINK === "thread";
const SINK_DELAY_MS = 20;
const CATCH_UP_MS_MAX = 60_000;
const QUIET_MS = 1_000;

const directory = mkdtempSync(join(tmpdir(), "actor-cost-"));
const config = loadBunConfig({ DATA_DIR: directory });
if (!config.ok) throw new Error(config.error.message);
const database_path = in_memory ? ":memory:" : join(directory, "actors.sqlite");
const database = new ActorDatabase({ path: database_path, durability: "fsync", commit_interval_ms: ACTORS_COMMIT_INTERVAL_MS });
const wal_pages = process.env.ACTOR_COST_PAGES === "1" && !in_memory ? countWalPages(database, database_path) : null;
let rows_flushed = 0;
const thread = sink_thread ? (await SinkThread.start({ data_dir: directory })).thread : null;
const batcher = thread === null ? null : sinkBatcher(thread, config.value.sink_batch_rows_max);
const sink = {
  write: async (rows: SinkRows) => {
    if (batcher === null) await Bun.sleep(SINK_DELAY_MS);
    else await batcher.write(rows);
    rows_flushed += rows.payment_events.length;
  },
};
const dependencies = {
  velocity: new EmbeddedVelocityStore(database.db),
  sink,
  fraud_rules: config.value.fraud_rules,
  limits: paymentActorLimits(DEFAULT_LIMITS),
  metrics: actorMetrics(new MetricsRegistry(), 0),
  random: Math.random,
};
const system = new BunActorSystem<PaymentActor>(database, (context) => new PaymentActor(context, dependencies), Date.now);
system.start({ pending_prefixes: PENDING_WORK_PREFIXES });

const events = eventStream({ payments: Math.ceil((rate * seconds) / 4), shuffle_ratio: 0.1, duplicate_ratio: 0.02, seed: 7 }).slice(0, rate * seconds);
const distinct = new Set(events.map((event) => event.id)).size;
const threads_before = threadUsage(process.pid);
const commits_before = database.commits;
const started = performance.now();
let sent = 0;
await new Promise<void>((resolve) => {
  const tick = () => {
    const due = Math.min(events.length, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent += 1) {
      const event = events[sent]!;
      deliverIngressMessage(system.get(event.payment_id), { event, source: "webhook", accepted_at: Date.now() } as never);
    }
    system.scheduler.startDue();
    if (sent < events.length) setTimeout(tick, 5);
    else resolve();
  };
  tick();
});
const sent_at = performance.now();
// Caught up once every distinct event is in Postgres rows, or none has arrived for a while
// (an event the state machine refuses is dead-lettered instead).
let last_change = performance.now();
for (let seen = rows_flushed; rows_flushed < distinct && performance.now() - last_change < QUIET_MS && performance.now() - sent_at < CATCH_UP_MS_MAX; ) {
  await Bun.sleep(10);
  if (rows_flushed !== seen) [seen, last_change] = [rows_flushed, performance.now()];
}
const caught_up_at = rows_flushed < distinct ? last_change : performance.now();
await database.flush();
const threads = threadUsageSince(threads_before, threadUsage(process.pid));
const main_thread = threads.find(([name]) => name === "main")?.[1] ?? { cpu_ms: 0, written_bytes: 0 };
const cpu_us = main_thread.cpu_ms * 1000;
const written = main_thread.written_bytes;
const commits = database.commits - commits_before;
const other_threads = threads
  .filter(([name]) => name !== "main")
  .slice(0, 4)
  .map(([name, usage]) => `${name} ${((usage.cpu_ms * 1000) / events.length).toFixed(0)} µs`)
  .join(", ");
console.log(
  `actor cost (${in_memory ? "SQLite in memory" : "actors.sqlite, fsync"}, ${sink_thread ? "sink thread with PGlite" : `a sink answering after ${SINK_DELAY_MS} ms`}): ${events.length} events at ${rate}/s, ` +
    `${rows_flushed} of ${distinct} distinct events in Postgres rows ${((caught_up_at - sent_at) / 1000).toFixed(1)} s after the last\n` +
    `  actor thread ${(cpu_us / events.length).toFixed(0)} µs an event; wrote ${(written / events.length / 1024).toFixed(1)} KiB an event; ` +
    `${commits} commits (${(events.length / Math.max(1, commits)).toFixed(1)} events a commit)\n` +
    `  other threads: ${other_threads}` +
    (wal_pages === null ? "" : `\n  ${wal_pages.report()}`),
);
await system.stop();
await database.close();
await batcher?.close();
await thread?.close();
if (existsSync(directory)) rmSync(directory, { recursive: true, force: true });
