/**
 * The Kafka target of the benchmark: events/s from produce to visible in Postgres through the
 * Bun host's consumer, beside the same measure for webhooks on the same host. The dev broker
 * (`scripts/kafka-dev.ts`) and the Bun host (durable, embedded defaults, consuming one topic of
 * 4 partitions) run as child processes; this process produces and sends.
 *
 * A webhook pass: BENCH_KAFKA_EVENTS (default 20,000) events for their own payments, sent with
 * BENCH_CONCURRENCY (64) in flight, timed from the first request until Postgres holds them all.
 * A Kafka pass: as many events for other payments produced in chunks of 500 (Confluent v2
 * produce), timed from the first produce until Postgres holds them all. After a warm-up of
 * each path; bounded by a 180 s wait for Postgres per pass.
 *
 *   npm run bench (after the other targets), or alone: bun run scripts/bench-kafka.ts
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startChildServer } from "./lib/child-server.ts";
import { readMetrics, sample } from "./lib/host-metrics.ts";
import { eventStream } from "./lib/event-stream.ts";
import { consumersView, sendViaKafka, type KafkaTarget } from "./lib/kafka-sender.ts";
import { sendAll, signAll } from "./lib/sender.ts";

const events_max = Number(process.env.BENCH_KAFKA_EVENTS ?? 20_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const visible_timeout_ms = 180_000;

const data_dir = mkdtempSync(join(tmpdir(), "bench-kafka-"));
const broker_port = await freePort();
const broker = Bun.spawn([process.execPath, "run", "scripts/kafka-dev.ts"], {
  env: { ...process.env, KAFKA_DEV_PORT: String(broker_port), KAFKA_DEV_DATA_DIR: join(data_dir, "kafka") },
  stdout: "ignore",
  stderr: "inherit",
});
const kafka_url = `http://127.0.0.1:${broker_port}`;
for (let attempt = 0; attempt < 200; attempt += 1) {
  if (await fetch(`${kafka_url}/topics`).then(() => true, () => false)) break;
  await Bun.sleep(50);
}
const host = await startChildServer(
  "src/hosts/bun/main.ts",
  { DATA_DIR: join(data_dir, "host"), KAFKA_REST_URL: kafka_url, KAFKA_TOPICS: "payments", HOLD_TIMEOUT_MS: "900000" },
  { ready_path: "/health", exit_if_it_dies: true },
);
try {
  const secrets = JSON.parse(readFileSync(join(data_dir, "host", "secrets.json"), "utf8")) as { webhook_secrets: { dev: string[] }; admin_token: string };
  const target: KafkaTarget = { server_url: host.url, admin_token: secrets.admin_token, kafka_url, topic: "payments" };
  // Applied events whose rows Postgres holds: the acceptance-to-Postgres histogram observes each
  // once, when its outbox entry is written (/health no longer counts rows: a check must be cheap).
  const inPostgres = async () => sample(await readMetrics(host.url), "accepted_to_postgres_ms_count");
  let expected = 0;
  const visibleAfter = async (count: number, since: number) => {
    const deadline = performance.now() + visible_timeout_ms;
    while (performance.now() < deadline) {
      if ((await inPostgres()) >= count) return performance.now() - since;
      await Bun.sleep(25);
    }
    return null;
  };
  // Whole lifecycles (about `events`): a stream cut short would leave events held for a
  // predecessor that never comes, and a pass would wait for them until its timeout.
  const stream = (prefix: string, seed: number, events: number) => eventStream({ payments: Math.ceil(events / 3.15), seed, prefix });
  const distinct = (events: ReturnType<typeof stream>) => new Set(events.map((event) => event.id)).size;

  const webhookPass = async (events: ReturnType<typeof stream>) => {
    const requests = await signAll(events, secrets.webhook_secrets.dev[0]!);
    const started = performance.now();
    const result = await sendAll(`${host.url}/webhooks/dev`, requests, { concurrency, deadline_ms: visible_timeout_ms });
    expected += result.outcomes.get("accepted") ?? 0;
    return { visible_ms: await visibleAfter(expected, started), events: result.outcomes.get("accepted") ?? 0 };
  };
  const kafkaPass = async (events: ReturnType<typeof stream>) => {
    const started = performance.now();
    await sendViaKafka(target, events, { deadline_ms: visible_timeout_ms });
    expected += distinct(events);
    return { visible_ms: await visibleAfter(expected, started), events: distinct(events) };
  };

  console.log(`bench (kafka): ${events_max} events per pass, webhooks (concurrency ${concurrency}) and Kafka (dev broker, 4 partitions) into one Bun host`);
  await webhookPass(stream("kwarm", 21, 5_000));
  await kafkaPass(stream("kwarmk", 22, 5_000));
  const webhooks = await webhookPass(stream("kweb", 23, events_max));
  const kafka = await kafkaPass(stream("kkaf", 24, events_max));
  const rate = (pass: { visible_ms: number | null; events: number }) => (pass.visible_ms === null ? null : Math.round((pass.events / pass.visible_ms) * 1000));
  const view = await consumersView(target);
  console.table([
    { path: "webhooks -> Postgres", events: webhooks.events, seconds: webhooks.visible_ms === null ? "timeout" : (webhooks.visible_ms / 1000).toFixed(1), "events/s": rate(webhooks) },
    { path: "Kafka produce -> consumer -> Postgres", events: kafka.events, seconds: kafka.visible_ms === null ? "timeout" : (kafka.visible_ms / 1000).toFixed(1), "events/s": rate(kafka) },
  ]);
  const webhook_rate = rate(webhooks);
  const kafka_rate = rate(kafka);
  if (webhook_rate !== null && kafka_rate !== null) {
    console.log(`kafka/webhooks: ${((kafka_rate / webhook_rate) * 100).toFixed(0)}% (target >= 80%: the consumer is not the bottleneck); lag now ${JSON.stringify(view?.consumers[0]?.partitions.map((partition) => partition.lag))}`);
  }
} finally {
  await host.stop();
  broker.kill("SIGTERM");
  await broker.exited;
  rmSync(data_dir, { recursive: true, force: true });
}
