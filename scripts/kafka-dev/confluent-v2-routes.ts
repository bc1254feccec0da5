/**
 * The Confluent REST Proxy v2 subset the dev broker serves: produce (`POST /topics/{topic}`,
 * JSON and binary embedded formats), topic metadata and partition offsets, and the stateful
 * consumer API (create an instance, subscribe, fetch records, commit and read offsets, delete).
 *
 * Shapes follow Confluent's API reference: v2 responses are `application/vnd.kafka.v2+json`,
 * records come back in the embedded format the instance was created with, and errors are
 * `{"error_code": <status and a digit or two>, "message": "..."}` (40401 topic not found, 40403
 * consumer instance not found, 40601 format mismatch, 40902 instance exists, 42204 invalid
 * consumer configuration, 415 unsupported content type, 422 invalid request).
 *
 * Committing offset N stores N + 1, the next record to read, as Confluent REST Proxy and
 * Karapace do; `commit_stores: "as_given"` stores N, as Strimzi's Kafka Bridge does.
 */
import { Hono, type Context } from "hono";
import type { ConsumerGroups, EmbeddedFormat, FetchedRecord, Instance } from "./consumer-groups.ts";
import { PartitionNotFound, TOPIC_NAME_PATTERN, type AppendInput, type LogStore } from "./log-store.ts";

export const V2_JSON = "application/vnd.kafka.v2+json";
const EMBEDDED_TYPES: Record<string, EmbeddedFormat> = {
  "application/vnd.kafka.json.v2+json": "json",
  "application/vnd.kafka.binary.v2+json": "binary",
};
const CONTENT_TYPE_FOR: Record<string, string> = {
  json: "application/vnd.kafka.json.v2+json",
  binary: "application/vnd.kafka.binary.v2+json",
};
const RECORDS_MAX = 500;
const BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
const FETCH_TIMEOUT_MS_DEFAULT = 1_000;
const FETCH_TIMEOUT_MS_MAX = 30_000;

export type CommitStores = "next_offset" | "as_given";

export interface ConfluentOptions {
  store: LogStore;
  groups: ConsumerGroups;
  commit_stores: CommitStores;
}

class ProxyError extends Error {
  constructor(
    readonly status: 400 | 404 | 406 | 409 | 415 | 422 | 500,
    readonly error_code: number,
    message: string,
  ) {
    super(message);
  }
}

export function confluentError(c: Context, status: number, error_code: number, message: string): Response {
  return c.body(JSON.stringify({ error_code, message }), status as 400, { "content-type": V2_JSON });
}

const v2 = (c: Context, value: unknown) => c.body(JSON.stringify(value), 200, { "content-type": V2_JSON });

export function confluentV2Routes({ store, groups, commit_stores }: ConfluentOptions) {
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof ProxyError) return confluentError(c, error.status, error.error_code, error.message);
    throw error;
  });

  app.get("/topics/:topic", (c) => {
    const topic = c.req.param("topic");
    const count = store.partitionCount(topic);
    if (count === undefined) throw new ProxyError(404, 40401, "Topic not found.");
    const partitions = Array.from({ length: count }, (_, partition) => ({
      partition,
      leader: 0,
      replicas: [{ broker: 0, leader: true, in_sync: true }],
    }));
    return v2(c, { name: topic, configs: {}, partitions });
  });

  app.get("/topics/:topic/partitions/:partition/offsets", (c) => {
    const { topic, partition } = partitionOf(store, c.req.param("topic"), c.req.param("partition"));
    return v2(c, { beginning_offset: 0, end_offset: store.endOffset(topic, partition) });
  });

  app.post("/topics/:topic", async (c) => {
    const topic = c.req.param("topic");
    if (!TOPIC_NAME_PATTERN.test(topic)) throw new ProxyError(422, 42201, `Invalid topic name "${topic}".`);
    const format = EMBEDDED_TYPES[mediaType(c)];
    if (format === undefined) {
      throw new ProxyError(415, 415, "HTTP 415 Unsupported Media Type: produce with application/vnd.kafka.json.v2+json or application/vnd.kafka.binary.v2+json");
    }
    const body = (await readJson(c)) as { records?: unknown } | null;
    if (!body || !Array.isArray(body.records)) throw new ProxyError(422, 422, "Request body must be an object with a records array.");
    const inputs = body.records.map((record, index) => produceInput(record, format, index));
    try {
      const appended = store.append(topic, inputs);
      return v2(c, {
        key_schema_id: null,
        value_schema_id: null,
        offsets: appended.map(({ partition, offset }) => ({ partition, offset, error_code: null, error: null })),
      });
    } catch (error) {
      if (error instanceof PartitionNotFound) throw new ProxyError(404, 40402, "Partition not found.");
      throw error;
    }
  });

  app.post("/consumers/:group", async (c) => {
    requireV2(c);
    const group = c.req.param("group");
    const body = ((await readJson(c)) ?? {}) as Record<string, unknown>;
    const format = body.format ?? "binary";
    if (format !== "binary" && format !== "json") throw new ProxyError(422, 42204, `Invalid consumer configuration: format "${String(format)}" is not supported (binary or json)`);
    const offset_reset = body["auto.offset.reset"] ?? "latest";
    if (offset_reset !== "earliest" && offset_reset !== "latest") throw new ProxyError(422, 42204, `Invalid consumer configuration: auto.offset.reset must be earliest or latest`);
    const auto_commit = String(body["auto.commit.enable"] ?? "true");
    if (auto_commit !== "true" && auto_commit !== "false") throw new ProxyError(422, 42204, `Invalid consumer configuration: auto.commit.enable must be true or false`);
    const name = body.name === undefined ? `rest-consumer-${crypto.randomUUID()}` : body.name;
    if (typeof name !== "string" || !/^[\w.-]{1,200}$/.test(name)) throw new ProxyError(422, 42204, "Invalid consumer configuration: name must be letters, digits, _, - and .");
    const instance = groups.create(group, name, { format, offset_reset, auto_commit: auto_commit === "true", auto_commit_interval_ms: 5_000 });
    if (!instance) throw new ProxyError(409, 40902, "Consumer instance with the specified name already exists.");
    const base = new URL(c.req.url);
    return v2(c, { instance_id: name, base_uri: `${base.origin}/consumers/${encodeURIComponent(group)}/instances/${encodeURIComponent(name)}` });
  });

  app.delete("/consumers/:group/instances/:instance", (c) => {
    instanceOf(groups, c);
    groups.delete(c.req.param("group"), c.req.param("instance"));
    return c.body(null, 204);
  });

  app.post("/consumers/:group/instances/:instance/subscription", async (c) => {
    requireV2(c);
    const instance = instanceOf(groups, c);
    const body = (await readJson(c)) as { topics?: unknown } | null;
    const topics = body?.topics;
    if (!Array.isArray(topics) || topics.length === 0 || !topics.every((topic) => typeof topic === "string" && TOPIC_NAME_PATTERN.test(topic))) {
      throw new ProxyError(422, 422, "Request body must be {\"topics\": [topic names]} (topic_pattern is not supported by the dev broker).");
    }
    groups.subscribe(instance, topics as string[]);
    return c.body(null, 204);
  });

  app.get("/consumers/:group/instances/:instance/subscription", (c) => v2(c, { topics: instanceOf(groups, c).topics }));

  app.delete("/consumers/:group/instances/:instance/subscription", (c) => {
    groups.subscribe(instanceOf(groups, c), []);
    return c.body(null, 204);
  });

  app.get("/consumers/:group/instances/:instance/assignments", (c) => v2(c, { partitions: groups.assigned(instanceOf(groups, c)) }));

  app.get("/consumers/:group/instances/:instance/records", async (c) => {
    const instance = instanceOf(groups, c);
    const expected = CONTENT_TYPE_FOR[instance.options.format]!;
    const accept = c.req.header("accept") ?? "";
    if (!accept.split(",").some((item) => item.split(";")[0]!.trim() === expected)) {
      throw new ProxyError(406, 40601, `The requested embedded data format does not match the deserializer for this consumer instance (accept ${expected}).`);
    }
    const timeout_ms = Math.min(numberParameter(c, "timeout", FETCH_TIMEOUT_MS_DEFAULT), FETCH_TIMEOUT_MS_MAX);
    const bytes_max = numberParameter(c, "max_bytes", BYTES_MAX_DEFAULT);
    const records = await groups.fetch(instance, { timeout_ms, records_max: RECORDS_MAX, bytes_max });
    const body = records.map((record) => recordBody(record, instance));
    return c.body(JSON.stringify(body), 200, { "content-type": expected });
  });

  app.post("/consumers/:group/instances/:instance/offsets", async (c) => {
    const instance = instanceOf(groups, c);
    const body = (await readJson(c)) as { offsets?: unknown } | null;
    if (body === null || body.offsets === undefined || (Array.isArray(body.offsets) && body.offsets.length === 0)) {
      groups.commitPositions(instance);
      return c.body(null, 200);
    }
    if (!Array.isArray(body.offsets)) throw new ProxyError(422, 422, "offsets must be an array of {topic, partition, offset}.");
    const offsets = body.offsets.map((entry) => {
      const { topic, partition, offset } = (entry ?? {}) as Record<string, unknown>;
      if (typeof topic !== "string" || !Number.isSafeInteger(partition) || !Number.isSafeInteger(offset) || (offset as number) < 0) {
        throw new ProxyError(422, 422, "each offset must be {topic: string, partition: integer, offset: integer >= 0}.");
      }
      partitionOf(store, topic, String(partition));
      return { topic, partition: partition as number, offset: (offset as number) + (commit_stores === "next_offset" ? 1 : 0) };
    });
    store.commit(instance.group, offsets);
    return c.body(null, 200);
  });

  // Confluent documents this call as a GET with a JSON body {"partitions": [...]}. Bun.serve
  // drops GET bodies (and fetch cannot send one), so the dev broker takes the partitions as a
  // query instead: ?partitions=topic:0,topic:1.
  app.get("/consumers/:group/instances/:instance/offsets", async (c) => {
    const instance = instanceOf(groups, c);
    const wanted = committedRequest(c);
    const offsets = wanted.flatMap(({ topic, partition }) => {
      const offset = store.committed(instance.group, topic, partition);
      return offset === undefined ? [] : [{ topic, partition, offset, metadata: "" }];
    });
    return v2(c, { offsets });
  });

  return app;
}

function recordBody(record: FetchedRecord, instance: Instance) {
  const decode = (bytes: Uint8Array | null) => {
    if (bytes === null) return null;
    if (instance.options.format === "binary") return Buffer.from(bytes).toString("base64");
    try {
      return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as unknown;
    } catch {
      throw new ProxyError(500, 50002, `Kafka error: the record at ${record.topic}/${record.partition}/${record.offset} is not JSON; consume with the binary format`);
    }
  };
  return { topic: record.topic, key: decode(record.key), value: decode(record.value), partition: record.partition, offset: record.offset };
}

function produceInput(record: unknown, format: EmbeddedFormat, index: number): AppendInput {
  if (typeof record !== "object" || record === null || Array.isArray(record)) throw new ProxyError(422, 422, `records[${index}] must be an object.`);
  const { key, value, partition } = record as Record<string, unknown>;
  if (partition !== undefined && !Number.isSafeInteger(partition)) throw new ProxyError(422, 422, `records[${index}].partition must be an integer.`);
  const encode = (field: string, item: unknown): Uint8Array | null => {
    if (item === undefined || item === null) return null;
    if (format === "json") return new TextEncoder().encode(JSON.stringify(item));
    if (typeof item !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(item)) throw new ProxyError(422, 42205, `records[${index}].${field} must be base64 in the binary format.`);
    return new Uint8Array(Buffer.from(item, "base64"));
  };
  return { key: encode("key", key), value: encode("value", value), headers: [], partition: partition as number | undefined };
}

function instanceOf(groups: ConsumerGroups, c: Context): Instance {
  const instance = groups.find(c.req.param("group")!, c.req.param("instance")!);
  if (!instance) throw new ProxyError(404, 40403, "Consumer instance not found.");
  return instance;
}

function partitionOf(store: LogStore, topic: string, raw: string) {
  const count = store.partitionCount(topic);
  if (count === undefined) throw new ProxyError(404, 40401, "Topic not found.");
  const partition = Number(raw);
  if (!Number.isSafeInteger(partition) || partition < 0 || partition >= count) throw new ProxyError(404, 40402, "Partition not found.");
  return { topic, partition };
}

function committedRequest(c: Context): Array<{ topic: string; partition: number }> {
  const query = c.req.query("partitions");
  if (query === undefined) throw new ProxyError(422, 422, "name the partitions as ?partitions=topic:0,topic:1 (the dev broker cannot read a GET body)");
  return query.split(",").filter(Boolean).map((item) => {
    const colon = item.lastIndexOf(":");
    const partition = Number(item.slice(colon + 1));
    if (colon <= 0 || !Number.isSafeInteger(partition)) throw new ProxyError(422, 422, `"${item}" is not topic:partition`);
    return { topic: item.slice(0, colon), partition };
  });
}

function mediaType(c: Context): string {
  return (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

function requireV2(c: Context): void {
  const type = mediaType(c);
  if (type !== V2_JSON && type !== "application/json") {
    throw new ProxyError(415, 415, `HTTP 415 Unsupported Media Type: send ${V2_JSON}`);
  }
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProxyError(400, 400, "Request body is not valid JSON.");
  }
}

function numberParameter(c: Context, name: string, fallback: number): number {
  const raw = c.req.query(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new ProxyError(422, 422, `${name} must be a whole number.`);
  return value;
}
