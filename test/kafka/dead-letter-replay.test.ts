/** Replaying `<topic>.dlq` with each adapter against the dev broker. */
import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { ConfluentV2Source } from "../../src/ingest/kafka/confluent-v2-source.ts";
import { replayDeadLetters } from "../../src/ingest/kafka/dead-letter-replay.ts";
import { KafkaConsumer } from "../../src/ingest/kafka/kafka-consumer.ts";
import type { KafkaSource } from "../../src/ingest/kafka/kafka-source.ts";
import { UpstashSource } from "../../src/ingest/kafka/upstash-source.ts";
import { testBroker, type TestBroker } from "../kafka-dev/support.ts";
import { event } from "./consumer-suite.ts";
import { RecordingActors } from "./recording-actors.ts";

// Each case starts a broker (and clients) on this shared, noisy machine.
setDefaultTimeout(30_000);

const common = (rest_url: string, topics: string[], group: string) => ({
  rest_url,
  group,
  instance: "replay-test",
  topics,
  offset_reset: "earliest" as const,
  poll_timeout_ms: 10,
  username: "dev",
  password: "dev",
});
const adapters: Record<string, (url: string, topics: string[], group: string) => KafkaSource> = {
  upstash: (url, topics, group) => new UpstashSource(common(url, topics, group)),
  "confluent-v2": (url, topics, group) => new ConfluentV2Source({ ...common(url, topics, group), commit_convention: "last-record", format: "binary" }),
};

for (const [name, make] of Object.entries(adapters)) {
  describe(`replaying dead letters (${name})`, () => {
    let broker: TestBroker;
    beforeEach(async () => {
      broker = await testBroker();
    });
    afterEach(() => broker.close());

    test("dead letters go back to their topic with their original key and value, each once; those a payment holds are left to it", async () => {
      const poison = [
        { key: "pay_1", value: "{not json" },
        { value: JSON.stringify(event("pay_1", 1)) },
        { key: "", value: JSON.stringify(event("pay_2", 1)) },
      ];
      await fetch(`${broker.url}/produce`, { method: "POST", body: JSON.stringify(poison.map((record) => ({ topic: "payments", ...record, partition: 0 }))) });
      const source = make(broker.url, ["payments"], "payment-actors");
      const consumer = new KafkaConsumer({ source, actors: new RecordingActors(), dead_letters: { write: async () => {} }, now: Date.now, sleep: async () => {}, log: () => {} });
      await source.open();
      for (let poll = 0; poll < 5; poll += 1) await consumer.cycle();
      await source.close();
      const store = broker.broker.store;
      const dlq = [0, 1, 2, 3].flatMap((partition) => store.read("payments.dlq", partition, 0, 10));
      expect(dlq).toHaveLength(3);

      const first = await replayDeadLetters(make(broker.url, ["payments.dlq"], "payment-actors.dlq-replay"));
      // The keyed one is in pay_1's DLQ: replayed there, not here.
      expect(first).toEqual({ replayed: 2, skipped: 0, held_by_payment: 1 });
      // The originals are offsets 0 to 2 of partition 0; everything else was produced by the replay.
      const replayed = [0, 1, 2, 3].flatMap((partition) => store.read("payments", partition, partition === 0 ? 3 : 0, 10));
      const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));
      const again = replayed.map((record) => ({ key: text(record.key), value: text(record.value) }));
      expect(again.map((record) => record.value).sort()).toEqual([poison[1]!.value, poison[2]!.value].sort());
      expect(again.every((record) => record.key === null || record.key === "")).toBe(true);

      const second = await replayDeadLetters(make(broker.url, ["payments.dlq"], "payment-actors.dlq-replay"));
      expect(second).toEqual({ replayed: 0, skipped: 0, held_by_payment: 0 });
    });
  });
}
