/**
 * `npm run kafka:replay-dlq`: after a fix, produces the records of every `<topic>.dlq` of
 * KAFKA_TOPICS back to their topic (src/ingest/kafka/dead-letter-replay.ts), with the server's
 * own KAFKA_* configuration. The replay group is `<KAFKA_GROUP>.dlq-replay`, so each dead letter
 * is replayed once however often this runs.
 */
import { replayDeadLetters } from "../src/ingest/kafka/dead-letter-replay.ts";
import { parseKafkaConfig } from "../src/ingest/kafka/kafka-config.ts";
import { kafkaSource } from "../src/ingest/kafka/open-source.ts";
import { bunKafkaInstance } from "../src/hosts/bun/kafka-consumer-loop.ts";

const config = parseKafkaConfig(process.env, bunKafkaInstance());
if (!config.ok || config.value === null) {
  console.error(`cannot replay: ${config.ok ? "KAFKA_REST_URL is not set" : config.error.message}`);
  process.exit(1);
}
const { value } = config;
const dead_letter_topics = value.topics.map((topic) => `${topic}.dlq`);
const source = kafkaSource({ ...value, topics: dead_letter_topics, group: `${value.group}.dlq-replay`, instance: `${value.instance}-dlq-replay`, offset_reset: "earliest" });
const outcome = await replayDeadLetters(source);
console.log(`replayed ${outcome.replayed} records from ${dead_letter_topics.join(", ")} to their topics${outcome.skipped ? ` (${outcome.skipped} records without dead-letter context skipped)` : ""}`);
if (outcome.held_by_payment > 0) {
  console.log(`${outcome.held_by_payment} records are dead letters of a payment too: replay them with POST /payments/:id/dlq/:event_id/replay (GET /dlq lists them)`);
}
