/**
 * The Kafka dead-letter publisher against real Postgres (PGlite, migrated) and the dev broker,
 * with each adapter: actors' dead letters of Kafka-sourced events reach `<topic>.dlq` with their
 * context, each version once, at least once across a crash between producing and recording.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { ConfluentV2Source } from "../../src/ingest/kafka/confluent-v2-source.ts";
import { DeadLetterPublisher, type KafkaDeadLetterRows } from "../../src/ingest/kafka/dead-letter-publisher.ts";
import type { KafkaSource } from "../../src/ingest/kafka/kafka-source.ts";
import { UpstashSource } from "../../src/ingest/kafka/upstash-source.ts";
import type { SinkDatabase } from "../../src/sink/database.ts";
import { openPglite } from "../../src/sink/drivers/pglite.ts";
import { recordKafkaDeadLettersPublished, unpublishedKafkaDeadLetters } from "../../src/sink/kafka-dead-letter-publications.ts";
import { migrateSink } from "../../src/sink/migrate.ts";
import { writeSinkRows } from "../../src/sink/writer.ts";
import { testBroker, type TestBroker } from "../kafka-dev/support.ts";
import { deadLetterRow, rowsOf } from "../sink/sink-rows.ts";

const common = (rest_url: string) => ({
  rest_url,
  group: "publisher-test",
  instance: "publisher-1",
  topics: ["payments"],
  offset_reset: "earliest" as const,
  poll_timeout_ms: 10,
  username: "dev",
  password: "dev",
});
const adapters: Record<string, (url: string) => KafkaSource> = {
  upstash: (url) => new UpstashSource(common(url)),
  "confluent-v2": (url) => new ConfluentV2Source({ ...common(url), commit_convention: "last-record", format: "binary" }),
};

const KAFKA = { kind: "kafka" as const, topic: "payments", partition: 2, offset: "41" };

// One migrated PGlite for the file (starting one takes seconds here), emptied before each case.
let sink: SinkDatabase;
beforeAll(async () => {
  sink = await openPglite(undefined);
  await migrateSink(sink);
}, 60_000);
afterAll(() => sink.close());

for (const [name, make] of Object.entries(adapters)) {
  describe(`the Kafka dead-letter publisher (${name})`, () => {
    let broker: TestBroker;
    let rows: KafkaDeadLetterRows;
    beforeEach(async () => {
      broker = await testBroker();
      await sink.db.execute(sql`delete from dead_letters`);
      await sink.db.execute(sql`delete from kafka_dead_letter_publications`);
      rows = {
        unpublished: (limit) => unpublishedKafkaDeadLetters(sink, limit),
        published: (publications) => recordKafkaDeadLettersPublished(sink, publications, Date.now()),
      };
    });
    afterEach(() => broker.close());

    /** Every `.dlq` record as its headers (upstash) or its v2 envelope's `dead_letter` (confluent-v2). */
    const dlq = () =>
      [0, 1, 2, 3]
        .flatMap((partition) => broker.broker.store.read("payments.dlq", partition, 0, 100))
        .map((record) => {
          const headers = Object.fromEntries(record.headers.map((header) => [header.key, header.value]));
          if (record.headers.length > 0) return { key: new TextDecoder().decode(record.key!), headers, value: JSON.parse(new TextDecoder().decode(record.value!)) };
          const envelope = JSON.parse(new TextDecoder().decode(record.value!));
          return { key: envelope.key, headers: envelope.dead_letter, value: JSON.parse(envelope.value) };
        });

    test("pending actor dead letters of Kafka-sourced events are produced to <topic>.dlq with their context, once per version", async () => {
      await writeSinkRows(
        sink,
        rowsOf({
          dead_letters: [
            deadLetterRow("pay_1", "evt_1", 1, { source: KAFKA, stage: "state_machine", reason: "invalid_transition", error_class: "RejectedEvent" }),
            deadLetterRow("pay_2", "evt_2", 1, { source: { kind: "replay", original: KAFKA }, stage: "ordering", reason: "out_of_order_timeout", error_class: "HoldTimeout" }),
            // Not this publisher's: a webhook's, a poison record (the consumer produced it), a replayed one.
            deadLetterRow("pay_3", "evt_3", 1),
            deadLetterRow("pay_4", "kafka:payments:0:1", 1, { source: KAFKA, stage: "kafka_ingest", reason: "invalid_json" }),
            deadLetterRow("pay_5", "evt_5", 2, { source: KAFKA, status: "replayed" }),
          ],
        }),
      );
      const publisher = new DeadLetterPublisher({ source: make(broker.url), rows });
      expect(await publisher.publish()).toBe(2);
      const produced = dlq().sort((a, b) => (a.key < b.key ? -1 : 1));
      expect(produced.map((record) => [record.key, record.value.id])).toEqual([
        ["pay_1", "evt_1"],
        ["pay_2", "evt_2"],
      ]);
      expect(produced[0]!.headers).toMatchObject({
        "__connect.errors.topic": "payments",
        "__connect.errors.partition": "2",
        "__connect.errors.offset": "41",
        "__connect.errors.stage": "state_machine",
        "__connect.errors.exception.class.name": "RejectedEvent",
        "__connect.errors.exception.message": "payment.captured is not valid after created",
        "payment_actors.reason": "invalid_transition",
        "payment_actors.first_failed_at": "2026-11-21T10:00:00.000Z",
        "payment_actors.dead_letter_id": "pay_1/evt_1/1",
        "payment_actors.payment_id": "pay_1",
      });
      expect(produced[1]!.headers).toMatchObject({ "__connect.errors.offset": "41", "payment_actors.reason": "out_of_order_timeout" });
      expect(await publisher.publish()).toBe(0);

      // The same event fails again after a replay: a new version, produced again.
      await writeSinkRows(sink, rowsOf({ dead_letters: [deadLetterRow("pay_1", "evt_1", 3, { source: { kind: "replay", original: KAFKA }, attempts: 2 })] }));
      expect(await publisher.publish()).toBe(1);
      expect(dlq().map((record) => record.headers["payment_actors.dead_letter_id"]).sort()).toEqual(["pay_1/evt_1/1", "pay_1/evt_1/3", "pay_2/evt_2/1"]);
    });

    test("a crash between producing and recording produces again, under the same dead_letter_id", async () => {
      await writeSinkRows(sink, rowsOf({ dead_letters: [deadLetterRow("pay_1", "evt_1", 1, { source: KAFKA })] }));
      const crashing = new DeadLetterPublisher({
        source: make(broker.url),
        rows: { unpublished: rows.unpublished, published: async () => Promise.reject(new Error("the process died")) },
        log: () => {},
      });
      expect(await crashing.publishDue(0)).toBe(0);
      const publisher = new DeadLetterPublisher({ source: make(broker.url), rows });
      expect(await publisher.publishDue(0)).toBe(1);
      expect(await publisher.publishDue(500)).toBe(0);
      expect(dlq().map((record) => record.headers["payment_actors.dead_letter_id"])).toEqual(["pay_1/evt_1/1", "pay_1/evt_1/1"]);
    });
  });
}
