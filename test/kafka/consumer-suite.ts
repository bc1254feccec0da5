/**
 * The consumer behaviour suite, run with each adapter against the dev broker (consumer.test.ts).
 */
import { Kafka } from "@upstash/kafka";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { PaymentEvent } from "../../src/core/event.ts";
import type { DeadLetterRow } from "../../src/core/postgres-rows.ts";
import { memoryCommittedOffsets, type CommittedOffsetsStore } from "../../src/ingest/kafka/committed-offsets-store.ts";
import { KafkaConsumer } from "../../src/ingest/kafka/kafka-consumer.ts";
import type { KafkaSource } from "../../src/ingest/kafka/kafka-source.ts";
import { testBroker, type TestBroker } from "../kafka-dev/support.ts";
import { RecordingActors } from "./recording-actors.ts";

export const GROUP = "consumer-suite";

export function event(payment_id: string, index: number, type = "payment.created"): PaymentEvent {
  return {
    id: `evt_${payment_id}_${index}`,
    type: type as PaymentEvent["type"],
    payment_id,
    sequence: index,
    occurred_at: "2026-11-21T10:00:00Z",
    data: { amount: 1000, currency: "USD", merchant_id: "m_1" },
  };
}

export function consumerSuite(name: string, makeSource: (broker_url: string) => KafkaSource) {
  describe(`Kafka consumer (${name})`, () => {
    let broker: TestBroker;
    let producer: Kafka;
    let actors: RecordingActors;
    let rows: DeadLetterRow[];
    let kept_offsets: CommittedOffsetsStore;
    const consumers: KafkaConsumer[] = [];
    const sleeps: number[] = [];
    let onSleep: () => void = () => {};

    const consumer = async (source = makeSource(broker.url)) => {
      const made = new KafkaConsumer({
        source,
        actors,
        dead_letters: { write: async (written) => void rows.push(...written) },
        committed_offsets: kept_offsets,
        now: () => broker.clock.now_ms,
        sleep: async (ms) => {
          sleeps.push(ms);
          onSleep();
        },
        log: () => {},
      });
      await source.open();
      consumers.push(made);
      return made;
    };
    const produce = (records: Array<{ key?: string; value: string; partition?: number }>) =>
      producer.producer().produceMany(records.map((record) => ({ topic: "payments", ...record })));
    const produceEvents = (events: PaymentEvent[]) => produce(events.map((item) => ({ key: item.payment_id, value: JSON.stringify(item) })));
    const drain = async (target: KafkaConsumer, polls = 10) => {
      for (let poll = 0; poll < polls; poll += 1) await target.cycle();
    };
    const committed = (partition: number) => broker.broker.store.committed(GROUP, "payments", partition);
    const ends = () => [0, 1, 2, 3].map((partition) => broker.broker.store.endOffset("payments", partition));
    const allCommitted = () => [0, 1, 2, 3].map((partition) => committed(partition) ?? 0);

    beforeEach(async () => {
      broker = await testBroker();
      producer = new Kafka({ url: broker.url, username: "dev", password: "dev" });
      actors = new RecordingActors();
      rows = [];
      kept_offsets = memoryCommittedOffsets();
      sleeps.length = 0;
      onSleep = () => {};
    });
    afterEach(async () => {
      for (const made of consumers.splice(0)) await made.stop().catch(() => {});
      await broker.close();
    });

    test("every record reaches the actor of its key with its topic, partition and offset, and the offsets end at the log end", async () => {
      const events = Array.from({ length: 40 }, (_, index) => event(`pay_${index % 10}`, Math.floor(index / 10) + 1));
      await produceEvents(events);
      const target = await consumer();
      await drain(target);
      expect(actors.accepted.map((item) => item.event.id).sort()).toEqual(events.map((item) => item.id).sort());
      const first = actors.accepted.find((item) => item.event.id === events[0]!.id)!;
      expect(first.source).toMatchObject({ kind: "kafka", topic: "payments", offset: "0" });
      expect(allCommitted()).toEqual(ends());
      const status = target.partitions();
      expect(status.map((partition) => partition.lag)).toEqual([0, 0, 0, 0]);
      expect(status.map((partition) => partition.log_end_offset)).toEqual(ends());
    });

    test("after a restart every partition's lag is known, also of a partition no new record reaches", async () => {
      await produceEvents(Array.from({ length: 40 }, (_, index) => event(`pay_${index % 10}`, Math.floor(index / 10) + 1)));
      const first = await consumer();
      await drain(first);
      await first.stop();
      consumers.splice(consumers.indexOf(first), 1);
      await produce([{ key: "pay_late", value: JSON.stringify(event("pay_late", 1)), partition: 0 }]);
      const second = await consumer();
      await drain(second);
      expect(second.partitions().map((partition) => [partition.committed_offset, partition.log_end_offset, partition.lag])).toEqual(ends().map((end) => [end, end, 0]));
    });

    test("records of one key are accepted in offset order", async () => {
      const events = Array.from({ length: 30 }, (_, index) => event("pay_1", index + 1));
      await produceEvents(events);
      await drain(await consumer());
      expect(actors.accepted.map((item) => item.event.sequence)).toEqual(events.map((item) => item.sequence));
    });

    test("poison records become dead letters in <topic>.dlq and, by key, in their payment's DLQ or else dead_letters; the records behind them are processed", async () => {
      const good_before = event("pay_1", 1);
      const good_after = event("pay_1", 2);
      const unknown_type = { ...event("pay_1", 3), type: "payment.teleported" };
      await produce([
        { key: "pay_1", value: JSON.stringify(good_before), partition: 0 },
        { value: JSON.stringify(event("pay_2", 1)), partition: 0 },
        { key: "pay_1", value: "{not json", partition: 0 },
        { key: "pay_1", value: JSON.stringify(unknown_type), partition: 0 },
        { key: "pay_other", value: JSON.stringify(event("pay_1", 4)), partition: 0 },
        { key: "pay_1", value: JSON.stringify(good_after), partition: 0 },
      ]);
      await drain(await consumer());
      expect(actors.accepted.map((item) => item.event.id)).toEqual([good_before.id, good_after.id]);
      // No key: no payment to hold it, so straight to Postgres.
      expect(rows.map((row) => [row.reason, row.error_class, row.payment_id, row.source])).toEqual([
        ["missing_key", "missing_key", "pay_2", { kind: "kafka", topic: "payments", partition: 0, offset: "1" }],
      ]);
      // A key: the payment of the key keeps it (a body naming another payment included); keys run in parallel.
      expect(actors.refused.sort((a, b) => (a.id < b.id ? -1 : 1)).map((item) => [item.id, item.payment_id, item.reason, item.error_class, item.source, item.value, item.value_is_json])).toEqual([
        ["kafka:payments:0:2", "pay_1", "invalid_json", "invalid_json", { kind: "kafka", topic: "payments", partition: 0, offset: "2" }, "{not json", false],
        ["kafka:payments:0:3", "pay_1", "invalid_event", "unknown_event_type", { kind: "kafka", topic: "payments", partition: 0, offset: "3" }, unknown_type, true],
        ["kafka:payments:0:4", "pay_other", "key_mismatch", "key_mismatch", { kind: "kafka", topic: "payments", partition: 0, offset: "4" }, event("pay_1", 4), true],
      ]);
      const dlq = [0, 1, 2, 3].flatMap((partition) => broker.broker.store.read("payments.dlq", partition, 0, 100));
      expect(dlq).toHaveLength(4);
      expect(committed(0)).toBe(6);
    });

    test("a poison record whose payment's DLQ is full goes to dead_letters and <topic>.dlq, and is committed past", async () => {
      await produce([{ key: "pay_1", value: "{not json", partition: 1 }]);
      const target = await consumer();
      actors.push_back.push("dead_letters_full");
      await drain(target);
      expect(actors.refused).toEqual([]);
      expect(rows.map((row) => [row.payment_id, row.event_id, row.reason])).toEqual([["pay_1", "kafka:payments:1:0", "invalid_json"]]);
      expect(broker.broker.store.read("payments.dlq", 0, 0, 10).length + broker.broker.store.read("payments.dlq", 1, 0, 10).length + broker.broker.store.read("payments.dlq", 2, 0, 10).length + broker.broker.store.read("payments.dlq", 3, 0, 10).length).toBe(1);
      expect(committed(1)).toBe(1);
    });

    test("inbox_full and overloaded are retried with backoff, nothing is committed past the waiting record meanwhile", async () => {
      await produceEvents([event("pay_1", 1), event("pay_1", 2)]);
      const target = await consumer();
      await target.cycle();
      actors.push_back.push("inbox_full", "overloaded", "throw", "inbox_full");
      const committed_while_waiting: Array<number | undefined> = [];
      onSleep = () => committed_while_waiting.push(allCommitted().reduce((sum, offset) => sum + offset, 0));
      await drain(target, 3);
      expect(committed_while_waiting).toEqual([0, 0, 0, 0]);
      expect(sleeps.slice(0, 4)).toEqual([50, 100, 200, 400]);
      expect(actors.accepted.map((item) => item.event.sequence)).toEqual([1, 2]);
      expect(allCommitted().reduce((sum, offset) => sum + offset, 0)).toBe(2);
    });

    test("a batch delivered again after a crash before its commit changes nothing", async () => {
      const events = Array.from({ length: 20 }, (_, index) => event(`pay_${index % 4}`, Math.floor(index / 4) + 1));
      await produceEvents(events);
      const crashed_source = makeSource(broker.url);
      const crashing = new KafkaConsumer({
        // The process dies before any commit reaches the proxy.
        source: { ...bind(crashed_source), commit: async () => {} },
        actors,
        dead_letters: { write: async () => {} },
        now: () => broker.clock.now_ms,
        sleep: async () => {},
        log: () => {},
      });
      await crashed_source.open();
      await drain(crashing);
      expect(actors.accepted).toHaveLength(20);
      expect(allCommitted()).toEqual([0, 0, 0, 0]);
      const calls_before = actors.calls;
      await drain(await consumer());
      expect(actors.calls - calls_before).toBe(20);
      expect(actors.accepted).toHaveLength(20);
      expect(allCommitted()).toEqual(ends());
    });

    test("stop() commits what was accepted and leaves the group", async () => {
      await produceEvents([event("pay_1", 1)]);
      const target = await consumer();
      target.start();
      for (let attempt = 0; attempt < 2_000 && actors.accepted.length < 1; attempt += 1) await Bun.sleep(5);
      await target.stop();
      consumers.splice(consumers.indexOf(target), 1);
      expect(allCommitted().reduce((sum, offset) => sum + offset, 0)).toBe(1);
      expect(broker.broker.groups.list()).toEqual([]);
    });
  });
}

function bind(source: KafkaSource): KafkaSource {
  return {
    protocol: source.protocol,
    open: () => source.open(),
    poll: () => source.poll(),
    commit: (offsets) => source.commit(offsets),
    logEnds: () => source.logEnds(),
    produce: (topic, records) => source.produce(topic, records),
    close: () => source.close(),
  };
}
