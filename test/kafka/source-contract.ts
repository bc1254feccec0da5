/**
 * The contract every KafkaSource adapter keeps (src/ingest/kafka/kafka-source.ts), run against
 * the dev broker for each adapter by sources.test.ts.
 */
import { Kafka } from "@upstash/kafka";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { KafkaRecord, KafkaSource } from "../../src/ingest/kafka/kafka-source.ts";
import { testBroker, type TestBroker } from "../kafka-dev/support.ts";

export interface SourceFactory {
  name: string;
  make(broker_url: string, options?: { instance?: string; topics?: string[] }): KafkaSource;
  /** The dead-letter context as the adapter carries it on the wire (headers, or the v2 envelope). */
  context(stored: { headers: Array<{ key: string; value: string }>; value: string }): Record<string, string>;
}

export async function pollUntil(source: KafkaSource, count: number, polls_max = 20): Promise<KafkaRecord[]> {
  const records: KafkaRecord[] = [];
  for (let poll = 0; poll < polls_max && records.length < count; poll += 1) records.push(...(await source.poll()));
  return records;
}

export function sourceContract(factory: SourceFactory) {
  describe(`KafkaSource contract: ${factory.name}`, () => {
    let broker: TestBroker;
    let producer: Kafka;
    const open: KafkaSource[] = [];
    const source = async (options?: { instance?: string; topics?: string[] }) => {
      const made = factory.make(broker.url, options);
      open.push(made);
      await made.open();
      return made;
    };
    beforeEach(async () => {
      broker = await testBroker();
      producer = new Kafka({ url: broker.url, username: "dev", password: "dev" });
    });
    afterEach(async () => {
      for (const made of open.splice(0)) await made.close().catch(() => {});
      await broker.close();
    });
    const produce = (values: string[], options: { partition?: number; key?: string } = {}) =>
      producer.producer().produceMany(values.map((value) => ({ topic: "payments", value, ...options })));

    test("polls join the group and then answer every record with topic, partition, offset, key and value", async () => {
      await produce(["a", "b"], { key: "pay_1" });
      await produce(["c"], { partition: 3 });
      const consumer = await source();
      const records = await pollUntil(consumer, 3);
      expect(records).toHaveLength(3);
      const keyed = records.filter((record) => record.key === "pay_1");
      expect(keyed.map((record) => new TextDecoder().decode(record.value!))).toEqual(["a", "b"]);
      expect(keyed.map((record) => record.offset)).toEqual([0, 1]);
      const unkeyed = records.find((record) => record.partition === 3 && record.key === null);
      expect(unkeyed?.topic).toBe("payments");
    });

    test("a re-opened consumer resumes at the committed offset (the next record to read)", async () => {
      await produce(["0", "1", "2", "3", "4"], { partition: 0 });
      const first = await source();
      expect(await pollUntil(first, 5)).toHaveLength(5);
      await first.commit([{ topic: "payments", partition: 0, offset: 3 }]);
      expect(broker.broker.store.committed("payments-actors-test", "payments", 0)).toBe(3);
      await first.close();
      const second = await source();
      const records = await pollUntil(second, 2);
      expect(records.map((record) => record.offset)).toEqual([3, 4]);
    });

    test("open() clears an instance a crashed run left under the same name, so uncommitted records come again", async () => {
      await produce(["0", "1", "2"], { partition: 1 });
      const crashed = factory.make(broker.url);
      await crashed.open();
      expect(await pollUntil(crashed, 3)).toHaveLength(3);
      await crashed.commit([{ topic: "payments", partition: 1, offset: 1 }]);
      const restarted = await source();
      expect((await pollUntil(restarted, 2)).map((record) => record.offset)).toEqual([1, 2]);
    });

    test("an instance the proxy expired is replaced, and reading goes on from the committed offsets", async () => {
      await produce(["0", "1", "2"], { partition: 2 });
      const consumer = await source();
      expect(await pollUntil(consumer, 3)).toHaveLength(3);
      await consumer.commit([{ topic: "payments", partition: 2, offset: 2 }]);
      broker.clock.now_ms += 600_000;
      expect((await pollUntil(consumer, 1)).map((record) => record.offset)).toEqual([2]);
      await produce(["3"], { partition: 2 });
      expect((await pollUntil(consumer, 1)).map((record) => record.offset)).toEqual([3]);
      await consumer.commit([{ topic: "payments", partition: 2, offset: 4 }]);
      expect(broker.broker.store.committed("payments-actors-test", "payments", 2)).toBe(4);
    });

    test("log ends name every partition of the subscribed topics", async () => {
      const consumer = await source();
      expect(await consumer.logEnds()).toEqual([]);
      await produce(["0", "1"], { partition: 1 });
      const ends = await consumer.logEnds();
      expect(ends.sort((a, b) => a.partition - b.partition)).toEqual([0, 1, 2, 3].map((partition) => ({ topic: "payments", partition, offset: partition === 1 ? 2 : 0 })));
    });

    test("produce appends keyed records with their context to another topic", async () => {
      const consumer = await source();
      const headers = [{ key: "__connect.errors.topic", value: "payments" }, { key: "__connect.errors.offset", value: "7" }];
      await consumer.produce("payments.dlq", [{ key: "pay_9", value: new TextEncoder().encode("{not json"), headers }]);
      const store = broker.broker.store;
      const stored = [0, 1, 2, 3].flatMap((partition) => store.read("payments.dlq", partition, 0, 10));
      expect(stored).toHaveLength(1);
      expect(new TextDecoder().decode(stored[0]!.key!)).toBe("pay_9");
      const text = new TextDecoder().decode(stored[0]!.value!);
      expect(factory.context({ headers: stored[0]!.headers, value: text })).toEqual({ "__connect.errors.topic": "payments", "__connect.errors.offset": "7" });
    });

    test("close() deletes the consumer instance", async () => {
      const consumer = await source();
      await consumer.poll();
      expect(broker.broker.groups.list().flatMap((group) => group.instances)).toHaveLength(1);
      await consumer.close();
      expect(broker.broker.groups.list().flatMap((group) => group.instances)).toHaveLength(0);
    });
  });
}
