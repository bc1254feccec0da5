/** The dev broker's Confluent REST Proxy v2 subset, request by request, as the API reference documents it. */
import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { call, testBroker, V2, V2_BINARY_RECORDS, V2_JSON_RECORDS, type TestBroker } from "./support.ts";

// Each case starts a broker (and clients) on this shared, noisy machine.
setDefaultTimeout(30_000);

let broker: TestBroker;
beforeEach(async () => {
  broker = await testBroker();
});
afterEach(() => broker.close());

const b64 = (text: string) => Buffer.from(text).toString("base64");
const produceJson = (topic: string, records: unknown[]) => call(broker.url, "POST", `/topics/${topic}`, { type: V2_JSON_RECORDS, body: { records } });

async function consumer(group: string, name: string, config: Record<string, string> = {}) {
  const created = await call(broker.url, "POST", `/consumers/${group}`, { type: V2, body: { name, format: "binary", "auto.offset.reset": "earliest", "auto.commit.enable": "false", ...config } });
  expect(created.status).toBe(200);
  const base = `/consumers/${group}/instances/${name}`;
  expect((await call(broker.url, "POST", `${base}/subscription`, { type: V2, body: { topics: ["payments"] } })).status).toBe(204);
  return base;
}

const records = (base: string, accept = V2_BINARY_RECORDS) => call(broker.url, "GET", `${base}/records?timeout=0`, { accept });

describe("Confluent v2 produce", () => {
  test("POST /topics/{topic} with JSON records creates the topic and answers each record's partition and offset", async () => {
    const answer = await produceJson("payments", [{ key: "pay_1", value: { id: "evt_1" } }, { key: "pay_1", value: { id: "evt_2" } }]);
    expect(answer.status).toBe(200);
    expect(answer.type).toBe(V2);
    expect(answer.json.key_schema_id).toBeNull();
    expect(answer.json.value_schema_id).toBeNull();
    expect(answer.json.offsets).toHaveLength(2);
    const [first, second] = answer.json.offsets;
    expect(first.partition).toBe(second.partition);
    expect([first.offset, second.offset]).toEqual([0, 1]);
    expect(first.error_code).toBeNull();
    const topic = await call(broker.url, "GET", "/topics/payments", { accept: V2 });
    expect(topic.json.name).toBe("payments");
    expect(topic.json.partitions).toHaveLength(4);
  });

  test("binary records carry base64 keys and values; an explicit partition is honoured", async () => {
    const answer = await call(broker.url, "POST", "/topics/raw", { type: V2_BINARY_RECORDS, body: { records: [{ key: b64("k"), value: b64("not json"), partition: 2 }] } });
    expect(answer.status).toBe(200);
    expect(answer.json.offsets[0]).toEqual({ partition: 2, offset: 0, error_code: null, error: null });
  });

  test("a produce content type that is not an embedded format answers 415 with error_code 415", async () => {
    const answer = await call(broker.url, "POST", "/topics/payments", { type: "application/json", body: { records: [] } });
    expect(answer.status).toBe(415);
    expect(answer.type).toBe(V2);
    expect(answer.json.error_code).toBe(415);
    expect(typeof answer.json.message).toBe("string");
  });

  test("records that are not an array answer 422; a partition out of range answers 404 with 40402", async () => {
    expect((await call(broker.url, "POST", "/topics/payments", { type: V2_JSON_RECORDS, body: { value: 1 } })).status).toBe(422);
    const answer = await produceJson("payments", [{ value: 1, partition: 9 }]);
    expect(answer.status).toBe(404);
    expect(answer.json.error_code).toBe(40402);
  });

  test("an unknown topic's metadata answers 404 with 40401; partition offsets give the log end", async () => {
    const missing = await call(broker.url, "GET", "/topics/nothing", { accept: V2 });
    expect(missing.status).toBe(404);
    expect(missing.json.error_code).toBe(40401);
    await produceJson("payments", [{ value: 1, partition: 1 }, { value: 2, partition: 1 }]);
    const offsets = await call(broker.url, "GET", "/topics/payments/partitions/1/offsets", { accept: V2 });
    expect(offsets.json).toEqual({ beginning_offset: 0, end_offset: 2 });
  });

  test("GET /topics with the v2 media type lists topic names", async () => {
    await produceJson("payments", [{ value: 1 }]);
    const answer = await call(broker.url, "GET", "/topics", { accept: V2 });
    expect(answer.json).toEqual(["payments"]);
  });
});

describe("Confluent v2 consumer instances", () => {
  test("creating an instance answers its id and a base_uri on this proxy; the same name again answers 409 with 40902", async () => {
    const created = await call(broker.url, "POST", "/consumers/g1", { type: V2, body: { name: "c1", format: "binary" } });
    expect(created.status).toBe(200);
    expect(created.type).toBe(V2);
    expect(created.json).toEqual({ instance_id: "c1", base_uri: `${broker.url}/consumers/g1/instances/c1` });
    const again = await call(broker.url, "POST", "/consumers/g1", { type: V2, body: { name: "c1", format: "binary" } });
    expect(again.status).toBe(409);
    expect(again.json.error_code).toBe(40902);
  });

  test("an invalid configuration answers 422 with 42204; a consumer request that is not v2 JSON answers 415", async () => {
    const bad = await call(broker.url, "POST", "/consumers/g1", { type: V2, body: { format: "avro" } });
    expect(bad.status).toBe(422);
    expect(bad.json.error_code).toBe(42204);
    expect((await call(broker.url, "POST", "/consumers/g1", { type: "text/plain", body: "{}" })).status).toBe(415);
  });

  test("the first fetch after joining answers no records; the next answers them in the instance's format", async () => {
    await produceJson("payments", [{ key: "pay_1", value: { id: "evt_1" } }]);
    const base = await consumer("g1", "c1");
    const first = await records(base);
    expect(first.status).toBe(200);
    expect(first.type).toBe(V2_BINARY_RECORDS);
    expect(first.json).toEqual([]);
    const second = await records(base);
    expect(second.json).toHaveLength(1);
    const [record] = second.json;
    // The JSON embedded format serializes the key as JSON: the bytes are "pay_1" with quotes.
    expect(Buffer.from(record.key, "base64").toString()).toBe('"pay_1"');
    expect(JSON.parse(Buffer.from(record.value, "base64").toString())).toEqual({ id: "evt_1" });
    expect(record).toMatchObject({ topic: "payments", offset: 0 });
    expect(typeof record.partition).toBe("number");
  });

  test("a JSON-format instance answers parsed keys and values", async () => {
    await produceJson("payments", [{ key: "pay_1", value: { id: "evt_1" } }]);
    const base = await consumer("g1", "c1", { format: "json" });
    await records(base, V2_JSON_RECORDS);
    const answer = await records(base, V2_JSON_RECORDS);
    expect(answer.type).toBe(V2_JSON_RECORDS);
    expect(answer.json[0]).toMatchObject({ key: "pay_1", value: { id: "evt_1" } });
  });

  test("fetching with an Accept that does not match the instance's format answers 406 with 40601", async () => {
    const base = await consumer("g1", "c1");
    const answer = await records(base, V2_JSON_RECORDS);
    expect(answer.status).toBe(406);
    expect(answer.json.error_code).toBe(40601);
  });

  test("committing offset N stores N + 1, the next record to read, and a new instance resumes there", async () => {
    await produceJson("payments", [0, 1, 2].map((n) => ({ value: n, partition: 0 })));
    const base = await consumer("g1", "c1");
    await records(base);
    expect((await records(base)).json.map((record: { offset: number }) => record.offset)).toEqual([0, 1, 2]);
    const commit = await call(broker.url, "POST", `${base}/offsets`, { type: V2, body: { offsets: [{ topic: "payments", partition: 0, offset: 1 }] } });
    expect(commit.status).toBe(200);
    const committed = await call(broker.url, "GET", `${base}/offsets?partitions=payments:0`);
    expect(committed.json).toEqual({ offsets: [{ topic: "payments", partition: 0, offset: 2, metadata: "" }] });
    expect((await call(broker.url, "DELETE", base)).status).toBe(204);
    const next = await consumer("g1", "c2");
    await records(next);
    expect((await records(next)).json.map((record: { offset: number }) => record.offset)).toEqual([2]);
  });

  test("with commit_stores as_given (Strimzi's convention) committing N stores N", async () => {
    await broker.close();
    broker = await testBroker({ commit_stores: "as_given" });
    await produceJson("payments", [{ value: 0, partition: 0 }]);
    const base = await consumer("g1", "c1");
    await call(broker.url, "POST", `${base}/offsets`, { type: V2, body: { offsets: [{ topic: "payments", partition: 0, offset: 1 }] } });
    const committed = await call(broker.url, "GET", `${base}/offsets?partitions=payments:0`);
    expect(committed.json.offsets[0].offset).toBe(1);
  });

  test("an empty commit stores every position the instance has fetched to", async () => {
    await produceJson("payments", [0, 1].map((n) => ({ value: n, partition: 3 })));
    const base = await consumer("g1", "c1");
    await records(base);
    await records(base);
    expect((await call(broker.url, "POST", `${base}/offsets`, { type: V2 })).status).toBe(200);
    const committed = await call(broker.url, "GET", `${base}/offsets?partitions=payments:3`);
    expect(committed.json.offsets[0].offset).toBe(2);
  });

  test("an idle instance expires: its calls answer 404 with 40403, and the name can be created again", async () => {
    const base = await consumer("g1", "c1");
    broker.clock.now_ms += 300_001;
    const answer = await records(base);
    expect(answer.status).toBe(404);
    expect(answer.json.error_code).toBe(40403);
    expect((await call(broker.url, "DELETE", base)).status).toBe(404);
    expect((await call(broker.url, "POST", "/consumers/g1", { type: V2, body: { name: "c1" } })).status).toBe(200);
  });

  test("two instances of a group share its partitions; when one leaves the other takes them over", async () => {
    await produceJson("payments", [0, 1, 2, 3].map((partition) => ({ value: partition, partition })));
    const a = await consumer("g1", "a");
    const b = await consumer("g1", "b");
    await records(a);
    await records(b);
    const partitions = async (base: string) => (await call(broker.url, "GET", `${base}/assignments`)).json.partitions.map((p: { partition: number }) => p.partition).sort();
    expect(await partitions(a)).toEqual([0, 2]);
    expect(await partitions(b)).toEqual([1, 3]);
    await call(broker.url, "DELETE", b);
    expect((await records(a)).json).toEqual([]);
    expect(await partitions(a)).toEqual([0, 1, 2, 3]);
  });

  test("a fetch with a timeout waits for a record produced meanwhile", async () => {
    const base = await consumer("g1", "c1");
    await produceJson("payments", [{ value: "first" }]);
    await records(base);
    await records(base);
    const waiting = call(broker.url, "GET", `${base}/records?timeout=5000`, { accept: V2_BINARY_RECORDS });
    await produceJson("payments", [{ value: "later" }]);
    const answer = await waiting;
    expect(answer.json.map((record: { value: string }) => Buffer.from(record.value, "base64").toString())).toEqual(['"later"']);
  });
});

describe("the durable log", () => {
  test("records and committed offsets survive a restart of the broker", async () => {
    await produceJson("payments", [{ key: "pay_1", value: 1 }, { key: "pay_2", value: 2 }]);
    const base = await consumer("g1", "c1");
    await records(base);
    const [first] = (await records(base)).json;
    await call(broker.url, "POST", `${base}/offsets`, { type: V2, body: { offsets: [{ topic: "payments", partition: first.partition, offset: first.offset }] } });
    await broker.restart();
    const query = `partitions=payments:${first.partition}`;
    const next = await consumer("g1", "c1");
    expect((await call(broker.url, "GET", `${next}/offsets?${query}`)).json.offsets[0].offset).toBe(first.offset + 1);
    const ends = await Promise.all([0, 1, 2, 3].map(async (p) => (await call(broker.url, "GET", `/topics/payments/partitions/${p}/offsets`)).json.end_offset));
    expect(ends.reduce((sum: number, end: number) => sum + end, 0)).toBe(2);
  });
});

describe("Basic auth", () => {
  test("with credentials configured, a request without them or with others answers 401 in the v2 error shape", async () => {
    await broker.close();
    broker = await testBroker({ username: "dev", password: "secret" });
    const missing = await call(broker.url, "GET", "/topics/payments", { accept: V2 });
    expect(missing.status).toBe(401);
    expect(missing.json.error_code).toBe(40101);
    expect(missing.headers.get("www-authenticate")).toContain("Basic");
    const wrong = await call(broker.url, "GET", "/topics/payments", { headers: { authorization: `Basic ${b64("dev:other")}` } });
    expect(wrong.status).toBe(401);
    const right = await call(broker.url, "GET", "/topics/payments", { headers: { authorization: `Basic ${b64("dev:secret")}` } });
    expect(right.status).toBe(404);
  });

  test("without credentials configured, any Basic credentials are accepted", async () => {
    const answer = await produceJson("payments", [{ value: 1 }]);
    expect(answer.status).toBe(200);
    const other = await call(broker.url, "GET", "/topics/payments", { headers: { authorization: `Basic ${b64("any:thing")}` } });
    expect(other.status).toBe(200);
  });
});
