/** Both adapters against the dev broker: the shared contract, then what only Confluent v2 has. */
import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { ConfluentV2Source, type ConfluentV2Options } from "../../src/ingest/kafka/confluent-v2-source.ts";
import { UpstashSource } from "../../src/ingest/kafka/upstash-source.ts";
import { testBroker, type TestBroker } from "../kafka-dev/support.ts";
import { pollUntil, sourceContract } from "./source-contract.ts";

// Each case starts a broker (and clients) on this shared, noisy machine.
setDefaultTimeout(30_000);

const GROUP = "payments-actors-test";
const common = (url: string, options: { instance?: string; topics?: string[] } = {}) => ({
  rest_url: url,
  group: GROUP,
  instance: options.instance ?? "instance-1",
  topics: options.topics ?? ["payments"],
  offset_reset: "earliest" as const,
  poll_timeout_ms: 20,
});
const confluent = (url: string, options: { instance?: string; topics?: string[] } = {}, extra: Partial<ConfluentV2Options> = {}) =>
  new ConfluentV2Source({ ...common(url, options), username: "dev", password: "dev", commit_convention: "last-record", format: "binary", ...extra });

sourceContract({
  name: "upstash (@upstash/kafka)",
  make: (url, options) => new UpstashSource({ ...common(url, options), username: "dev", password: "dev" }),
  context: (stored) => Object.fromEntries(stored.headers.map((header) => [header.key, header.value])),
});

sourceContract({
  name: "confluent-v2 (binary format)",
  make: (url, options) => confluent(url, options),
  context: (stored) => {
    const envelope = JSON.parse(stored.value) as { dead_letter: Record<string, string>; value: string };
    expect(envelope.value).toBe("{not json");
    return envelope.dead_letter;
  },
});

describe("confluent-v2 commit conventions", () => {
  let broker: TestBroker;
  afterEach(() => broker.close());

  async function committedAfter(broker_stores: "next_offset" | "as_given", convention: "last-record" | "next-offset") {
    broker = await testBroker({ commit_stores: broker_stores });
    const source = confluent(broker.url, {}, { commit_convention: convention });
    await source.open();
    await fetch(`${broker.url}/topics/payments`, { method: "POST", headers: { "content-type": "application/vnd.kafka.json.v2+json" }, body: JSON.stringify({ records: [{ value: 1 }] }) });
    await source.commit([{ topic: "payments", partition: 0, offset: 3 }]);
    await source.close();
    return broker.broker.store.committed(GROUP, "payments", 0);
  }

  test("last-record against a proxy that stores N + 1 (Confluent, Karapace) stores the next record to read", async () => {
    expect(await committedAfter("next_offset", "last-record")).toBe(3);
  });

  test("next-offset against a proxy that stores N as given (Strimzi) stores the next record to read", async () => {
    expect(await committedAfter("as_given", "next-offset")).toBe(3);
  });

  test("the wrong convention is off by one: next-offset against Confluent would skip a record", async () => {
    expect(await committedAfter("next_offset", "next-offset")).toBe(4);
  });
});

describe("confluent-v2 specifics", () => {
  let broker: TestBroker;
  afterEach(() => broker.close());

  test("an expired instance is re-created, once per expiry", async () => {
    broker = await testBroker();
    const source = confluent(broker.url);
    await source.open();
    await source.poll();
    broker.clock.now_ms += 600_000;
    await source.poll();
    expect(source.instances_created).toBe(2);
    await source.close();
  });

  test("the JSON format delivers keys as text and values as JSON bytes", async () => {
    broker = await testBroker();
    await fetch(`${broker.url}/topics/payments`, { method: "POST", headers: { "content-type": "application/vnd.kafka.json.v2+json" }, body: JSON.stringify({ records: [{ key: "pay_1", value: { id: "evt_1" } }] }) });
    const source = confluent(broker.url, {}, { format: "json" });
    await source.open();
    const [record] = await pollUntil(source, 1);
    expect(record!.key).toBe("pay_1");
    expect(JSON.parse(new TextDecoder().decode(record!.value!))).toEqual({ id: "evt_1" });
    await source.close();
  });

  test("a proxy that cannot be reached is a KafkaSourceError naming the call", async () => {
    broker = await testBroker();
    const source = confluent("http://127.0.0.1:9");
    await expect(source.open()).rejects.toThrow(/DELETE .* failed/);
  });
});
