/**
 * The dev broker's Upstash Kafka REST subset, driven by `@upstash/kafka` itself (the client
 * is the oracle for request shapes), plus raw requests for the error shapes.
 */
import { Kafka } from "@upstash/kafka";
import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { call, testBroker, type TestBroker } from "./support.ts";

// Each case starts a broker (and clients) on this shared, noisy machine.
setDefaultTimeout(30_000);

let broker: TestBroker;
let kafka: Kafka;
beforeEach(async () => {
  broker = await testBroker();
  kafka = new Kafka({ url: broker.url, username: "dev", password: "dev" });
});
afterEach(() => broker.close());

const group = { consumerGroupId: "g1", instanceId: "c1" };

async function consumeUntil(count: number) {
  const consumer = kafka.consumer();
  const seen = [];
  for (let poll = 0; poll < 5 && seen.length < count; poll += 1) {
    seen.push(...(await consumer.consume({ ...group, topics: ["payments"], autoCommit: false, autoOffsetReset: "earliest", timeout: 0 })));
  }
  return seen;
}

describe("Upstash produce", () => {
  test("produce answers topic, partition, offset and timestamp; a key picks the partition", async () => {
    const producer = kafka.producer();
    const first = await producer.produce("payments", { id: "evt_1" }, { key: "pay_1" });
    const second = await producer.produce("payments", { id: "evt_2" }, { key: "pay_1", headers: [{ key: "trace", value: "t1" }] });
    expect(first).toMatchObject({ topic: "payments", offset: 0 });
    expect(second.partition).toBe(first.partition);
    expect(second.offset).toBe(1);
    expect(typeof second.timestamp).toBe("number");
  });

  test("produceMany answers one result per request, in order", async () => {
    const results = await kafka.producer().produceMany([
      { topic: "a", value: "x", partition: 1 },
      { topic: "b", value: { y: 1 } },
    ]);
    expect(results.map((result) => result.topic)).toEqual(["a", "b"]);
    expect(results[0]!.partition).toBe(1);
    expect(await kafka.admin().topics()).toEqual({ a: 4, b: 4 });
  });

  test("a produce request without a string value answers 400 with {error, status}", async () => {
    const answer = await call(broker.url, "POST", "/produce", { type: "application/json", body: { topic: "payments", value: 1 } });
    expect(answer.status).toBe(400);
    expect(answer.json.status).toBe(400);
    expect(answer.json.error).toContain("value");
  });
});

describe("Upstash consume and commit", () => {
  test("consume joins on first use (an empty first answer), then returns messages with key, value and headers", async () => {
    await kafka.producer().produce("payments", { id: "evt_1" }, { key: "pay_1", headers: [{ key: "trace", value: "t1" }] });
    const first = await kafka.consumer().consume({ ...group, topics: ["payments"], autoCommit: false, autoOffsetReset: "earliest", timeout: 0 });
    expect(first).toEqual([]);
    const messages = await consumeUntil(1);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ topic: "payments", offset: 0, key: "pay_1", value: JSON.stringify({ id: "evt_1" }), headers: [{ key: "trace", value: "t1" }] });
  });

  test("commit stores the offset as given and committed answers it; a restarted instance resumes there", async () => {
    const produced = await kafka.producer().produceMany([0, 1, 2].map((n) => ({ topic: "payments", value: String(n), partition: 0 })));
    expect(await consumeUntil(3)).toHaveLength(3);
    const consumer = kafka.consumer();
    const before = await consumer.committed({ ...group, topicPartitions: [{ topic: "payments", partition: 0 }] });
    expect(before).toEqual([{ topic: "payments", partition: 0, offset: -1 }]);
    await consumer.commit({ ...group, offset: { topic: "payments", partition: 0, offset: produced[1]!.offset } });
    const after = await consumer.committed({ ...group, topicPartitions: [{ topic: "payments", partition: 0 }] });
    expect(after).toEqual([{ topic: "payments", partition: 0, offset: 1 }]);
    await kafka.admin().removeConsumerInstance("g1", "c1");
    const resumed = await consumeUntil(1);
    expect(resumed.map((message) => message.value)).toEqual(["1", "2"]);
  });

  test("auto-commit (the protocol's default) commits what was consumed on a later consume", async () => {
    await kafka.producer().produce("payments", "x", { partition: 2 });
    const consumer = kafka.consumer();
    const auto = { ...group, topics: ["payments"], autoOffsetReset: "earliest" as const, autoCommitInterval: 0, timeout: 0 };
    await consumer.consume(auto);
    expect(await consumer.consume(auto)).toHaveLength(1);
    await consumer.consume(auto);
    expect(await consumer.committed({ ...group, topicPartitions: [{ topic: "payments", partition: 2 }] })).toEqual([{ topic: "payments", partition: 2, offset: 1 }]);
  });

  test("an instance idle past the timeout expires and is re-created from the committed offsets", async () => {
    await kafka.producer().produceMany([0, 1].map((n) => ({ topic: "payments", value: String(n), partition: 0 })));
    expect(await consumeUntil(2)).toHaveLength(2);
    await kafka.consumer().commit({ ...group, offset: { topic: "payments", partition: 0, offset: 1 } });
    broker.clock.now_ms += 300_001;
    expect((await kafka.admin().consumers())).toEqual([]);
    expect((await consumeUntil(1)).map((message) => message.value)).toEqual(["1"]);
  });

  test("fetch reads from an offset without a group; offsets/latest answers the log end", async () => {
    await kafka.producer().produceMany([0, 1, 2].map((n) => ({ topic: "payments", value: String(n), partition: 3 })));
    const fetched = await kafka.consumer().fetch({ topic: "payments", partition: 3, offset: 1 });
    expect(fetched.map((message) => message.value)).toEqual(["1", "2"]);
    const ends = await kafka.admin().topicPartitionOffsets({ timestamp: "latest", topicPartition: { topic: "payments", partition: 3 } });
    expect(ends).toEqual([{ topic: "payments", partition: 3, offset: 3 }]);
  });

  test("consumers lists groups, instances and their partitions", async () => {
    await kafka.producer().produce("payments", "x");
    await consumeUntil(1);
    const groups = await kafka.admin().consumers();
    expect(groups).toEqual([{ name: "g1", instances: [{ name: "c1", topics: [{ topic: "payments", partitions: [0, 1, 2, 3] }] }] }]);
  });

  test("a consume without a topic answers 400; a commit for an unknown instance answers 404", async () => {
    const answer = await call(broker.url, "POST", "/consume/g1/c1", { type: "application/json", body: {} });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ status: 400 });
    const commit = await call(broker.url, "POST", "/commit/g1/nobody", { type: "application/json" });
    expect(commit.status).toBe(404);
    expect(commit.json.status).toBe(404);
  });

  test("with credentials configured, wrong ones answer 401 as {error, status}", async () => {
    await broker.close();
    broker = await testBroker({ username: "dev", password: "secret" });
    const answer = await call(broker.url, "GET", "/topics", { headers: { authorization: `Basic ${Buffer.from("dev:nope").toString("base64")}` } });
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ status: 401 });
    const client = new Kafka({ url: broker.url, username: "dev", password: "secret" });
    expect(await client.admin().topics()).toEqual({});
  });
});
