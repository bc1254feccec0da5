/**
 * `npm run kafka:dev`: a local Kafka-over-HTTP broker for development and tests (DESIGN.md
 * section 10), serving the Confluent REST Proxy v2 and the Upstash Kafka REST protocols on one
 * port over a durable log. A development tool, not a product: one process, everything in memory
 * as well as on disk, no replication.
 *
 * KAFKA_DEV_PORT (8082), KAFKA_DEV_DATA_DIR (./data/kafka), KAFKA_DEV_PARTITIONS (4, for topics
 * created by their first produce), KAFKA_DEV_USERNAME and KAFKA_DEV_PASSWORD (unset: any Basic
 * credentials are accepted), KAFKA_DEV_INSTANCE_TIMEOUT_MS (300000, idle consumer instances
 * expire), KAFKA_DEV_COMMIT_STORES (`next_offset`: a v2 commit of N stores N + 1 like Confluent
 * REST Proxy; `as_given`: stores N like Strimzi's bridge).
 */
import { resolve } from "node:path";
import { startBroker } from "./kafka-dev/broker.ts";

function whole(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    console.error(`cannot start: ${name} must be a whole number between ${min} and ${max}, got "${raw}"`);
    process.exit(1);
  }
  return value;
}

const port = whole("KAFKA_DEV_PORT", 8082, 0, 65535);
const partitions = whole("KAFKA_DEV_PARTITIONS", 4, 1, 1024);
const instance_timeout_ms = whole("KAFKA_DEV_INSTANCE_TIMEOUT_MS", 300_000, 1_000, 86_400_000);
const data_dir = resolve(process.env.KAFKA_DEV_DATA_DIR?.trim() || "./data/kafka");
const username = process.env.KAFKA_DEV_USERNAME?.trim() || undefined;
const password = process.env.KAFKA_DEV_PASSWORD?.trim() || undefined;
if ((username === undefined) !== (password === undefined)) {
  console.error(`cannot start: set both KAFKA_DEV_USERNAME and KAFKA_DEV_PASSWORD, or neither`);
  process.exit(1);
}
const commit_stores = process.env.KAFKA_DEV_COMMIT_STORES?.trim() || "next_offset";
if (commit_stores !== "next_offset" && commit_stores !== "as_given") {
  console.error(`cannot start: KAFKA_DEV_COMMIT_STORES must be next_offset or as_given, got "${commit_stores}"`);
  process.exit(1);
}

const broker = startBroker({ port, data_dir, partitions, username, password, instance_timeout_ms, commit_stores });
console.log(`kafka dev broker listening on ${broker.url} (a development tool, not a product)`);
console.log(`  protocols: Confluent REST Proxy v2 (/topics/{topic}, /consumers/{group}/...) and Upstash Kafka REST (/produce, /consume/...)`);
console.log(`  log:       ${data_dir} (${broker.store.topicNames().length} topics; new topics get ${partitions} partitions)`);
console.log(`  auth:      ${username ? `Basic ${username}:<KAFKA_DEV_PASSWORD>` : "any Basic credentials"}`);
console.log(`  consumer instances expire after ${instance_timeout_ms} ms idle; a v2 commit of offset N stores ${commit_stores === "next_offset" ? "N + 1" : "N"}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void broker.stop().then(() => process.exit(0));
  });
}
