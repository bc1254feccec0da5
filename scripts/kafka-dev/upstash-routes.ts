/**
 * The Upstash Kafka REST subset the dev broker serves, as `@upstash/kafka` calls it:
 * `POST /produce` (one request object or an array), `POST /consume/{group}/{instance}` (the
 * instance is created and subscribed on first use; `Kafka-Enable-Auto-Commit` defaults to true,
 * `Kafka-Auto-Offset-Reset` to latest), `POST /commit/...` (the offsets given, stored as given:
 * the next record to read; no body commits what was consumed), `POST /committed/...`,
 * `POST /fetch`, `GET /topics`, `GET /consumers`, `POST /delete-consumer/...` and
 * `POST /offsets/{earliest|latest}`.
 *
 * Values and keys travel as UTF-8 strings, a missing key as "". Errors are
 * `{"error": "...", "status": <http status>}`, the shape `@upstash/kafka` reads into UpstashError.
 */
import { Hono, type Context } from "hono";
import type { ConsumerGroups, FetchedRecord, Instance } from "./consumer-groups.ts";
import { PartitionNotFound, TOPIC_NAME_PATTERN, type AppendInput, type LogStore, type RecordHeader } from "./log-store.ts";

const RECORDS_MAX = 500;
const BYTES_MAX = 64 * 1024 * 1024;
const TIMEOUT_MS_DEFAULT = 1_000;
const TIMEOUT_MS_MAX = 30_000;

class UpstashError extends Error {
  constructor(
    readonly status: 400 | 404 | 422,
    message: string,
  ) {
    super(message);
  }
}

export function upstashError(c: Context, status: number, message: string): Response {
  return c.json({ error: message, status }, status as 400);
}

const SUCCESS = { result: "Success", status: 200 };

export function upstashRoutes({ store, groups }: { store: LogStore; groups: ConsumerGroups }) {
  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof UpstashError) return upstashError(c, error.status, error.message);
    throw error;
  });

  app.post("/produce", async (c) => {
    const body = await readJson(c);
    const requests = Array.isArray(body) ? body : [body];
    if (requests.length === 0) throw new UpstashError(400, "nothing to produce");
    const parsed = requests.map((request, index) => produceRequest(request, index));
    try {
      const results = parsed.map(({ topic, input }) => ({ topic, ...store.append(topic, [input])[0]! }));
      return c.json(results);
    } catch (error) {
      if (error instanceof PartitionNotFound) throw new UpstashError(400, error.message);
      throw error;
    }
  });

  app.post("/consume/:group/:instance", async (c) => {
    const body = ((await readJson(c)) ?? {}) as { topic?: unknown; topics?: unknown; timeout?: unknown };
    const topics = body.topics ?? (body.topic === undefined ? undefined : [body.topic]);
    if (!Array.isArray(topics) || topics.length === 0 || !topics.every((topic) => typeof topic === "string" && TOPIC_NAME_PATTERN.test(topic))) {
      throw new UpstashError(400, "body must name a topic (\"topic\") or topics (\"topics\")");
    }
    const instance = instanceFor(groups, c);
    if (instance.topics.join(",") !== [...new Set(topics as string[])].sort().join(",")) groups.subscribe(instance, topics as string[]);
    const timeout_ms = Math.min(wholeNumber(body.timeout, "timeout") ?? TIMEOUT_MS_DEFAULT, TIMEOUT_MS_MAX);
    const records = await groups.fetch(instance, { timeout_ms, records_max: RECORDS_MAX, bytes_max: BYTES_MAX });
    return c.json(records.map(message));
  });

  app.post("/commit/:group/:instance", async (c) => {
    const instance = groups.find(c.req.param("group"), c.req.param("instance"));
    if (!instance) throw new UpstashError(404, `consumer instance ${c.req.param("instance")} of group ${c.req.param("group")} not found`);
    const body = await readJson(c);
    if (body === null) {
      groups.commitPositions(instance);
      return c.json(SUCCESS);
    }
    const entries = (Array.isArray(body) ? body : [body]).map((entry) => topicPartition(store, entry, true));
    store.commit(instance.group, entries as Array<{ topic: string; partition: number; offset: number }>);
    return c.json(SUCCESS);
  });

  app.post("/committed/:group/:instance", async (c) => {
    const body = await readJson(c);
    if (!Array.isArray(body)) throw new UpstashError(400, "body must be an array of {topic, partition}");
    const group = c.req.param("group");
    return c.json(body.map((entry) => {
      const { topic, partition } = topicPartition(store, entry, false);
      return { topic, partition, offset: store.committed(group, topic, partition) ?? -1 };
    }));
  });

  app.post("/fetch", async (c) => {
    const body = ((await readJson(c)) ?? {}) as Record<string, unknown>;
    const wanted = [...(Array.isArray(body.topicPartitionOffsets) ? body.topicPartitionOffsets : [])];
    if (body.topic !== undefined) wanted.push({ topic: body.topic, partition: body.partition, offset: body.offset });
    if (wanted.length === 0) throw new UpstashError(400, "body must name topic, partition and offset, or topicPartitionOffsets");
    const records: FetchedRecord[] = [];
    for (const entry of wanted) {
      const { topic, partition, offset } = topicPartition(store, entry, true) as { topic: string; partition: number; offset: number };
      for (const record of store.read(topic, partition, offset, RECORDS_MAX - records.length)) records.push({ ...record, topic, partition });
    }
    return c.json(records.map(message));
  });

  app.get("/topics", (c) => c.json(Object.fromEntries(store.topicNames().map((topic) => [topic, store.partitionCount(topic)]))));

  app.get("/consumers", (c) =>
    c.json(groups.list().map(({ group, instances }) => ({
      name: group,
      instances: instances.map((instance) => ({ name: instance.name, topics: topicAssignments(groups, instance) })),
    }))),
  );

  // Idempotent: deleting an instance that is gone (expired, or never created) succeeds, so a
  // client can always clear its stable instance name before starting.
  app.post("/delete-consumer/:group/:instance", (c) => {
    groups.delete(c.req.param("group"), c.req.param("instance"));
    return c.json(SUCCESS);
  });

  app.post("/offsets/:timestamp", async (c) => {
    const timestamp = c.req.param("timestamp");
    if (timestamp !== "earliest" && timestamp !== "latest") throw new UpstashError(400, "the dev broker answers offsets for earliest and latest only");
    const body = await readJson(c);
    if (!Array.isArray(body)) throw new UpstashError(400, "body must be an array of {topic, partition}");
    return c.json(body.map((entry) => {
      const { topic, partition } = topicPartition(store, entry, false);
      return { topic, partition, offset: timestamp === "earliest" ? 0 : store.endOffset(topic, partition) };
    }));
  });

  return app;
}

function instanceFor(groups: ConsumerGroups, c: Context): Instance {
  const group = c.req.param("group")!;
  const name = c.req.param("instance")!;
  const existing = groups.find(group, name);
  if (existing) return existing;
  const auto_commit = (c.req.header("kafka-enable-auto-commit") ?? "true").toLowerCase();
  if (auto_commit !== "true" && auto_commit !== "false") throw new UpstashError(400, "Kafka-Enable-Auto-Commit must be true or false");
  const offset_reset = (c.req.header("kafka-auto-offset-reset") ?? "latest").toLowerCase();
  if (offset_reset !== "earliest" && offset_reset !== "latest") throw new UpstashError(400, "Kafka-Auto-Offset-Reset must be earliest or latest");
  const interval = c.req.header("kafka-auto-commit-interval");
  const auto_commit_interval_ms = interval === undefined ? 5_000 : wholeNumber(Number(interval), "Kafka-Auto-Commit-Interval")!;
  return groups.create(group, name, { format: "upstash", offset_reset, auto_commit: auto_commit === "true", auto_commit_interval_ms })!;
}

function topicAssignments(groups: ConsumerGroups, instance: Instance) {
  const by_topic = new Map<string, number[]>();
  for (const { topic, partition } of groups.assigned(instance)) by_topic.set(topic, [...(by_topic.get(topic) ?? []), partition]);
  return [...by_topic].map(([topic, partitions]) => ({ topic, partitions }));
}

function message(record: FetchedRecord) {
  const text = (bytes: Uint8Array | null) => (bytes === null ? "" : new TextDecoder().decode(bytes));
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: text(record.key),
    value: text(record.value),
    headers: record.headers,
  };
}

function produceRequest(request: unknown, index: number): { topic: string; input: AppendInput } {
  if (typeof request !== "object" || request === null) throw new UpstashError(400, `produce request ${index} must be an object`);
  const { topic, value, key, partition, timestamp, headers } = request as Record<string, unknown>;
  if (typeof topic !== "string" || !TOPIC_NAME_PATTERN.test(topic)) throw new UpstashError(400, `produce request ${index}: topic must be a Kafka topic name`);
  if (typeof value !== "string") throw new UpstashError(400, `produce request ${index}: value must be a string`);
  if (key !== undefined && typeof key !== "string") throw new UpstashError(400, `produce request ${index}: key must be a string`);
  if (partition !== undefined && !Number.isSafeInteger(partition)) throw new UpstashError(400, `produce request ${index}: partition must be an integer`);
  if (timestamp !== undefined && !Number.isSafeInteger(timestamp)) throw new UpstashError(400, `produce request ${index}: timestamp must be an integer`);
  const header_list = headers ?? [];
  if (!Array.isArray(header_list) || !header_list.every((header) => typeof header?.key === "string" && typeof header?.value === "string")) {
    throw new UpstashError(400, `produce request ${index}: headers must be [{key, value}] of strings`);
  }
  const encoder = new TextEncoder();
  return {
    topic,
    input: {
      key: key === undefined ? null : encoder.encode(key),
      value: encoder.encode(value),
      headers: header_list as RecordHeader[],
      partition: partition as number | undefined,
      // @upstash/kafka documents the produce timestamp in seconds.
      timestamp: timestamp === undefined ? undefined : (timestamp as number) * 1000,
    },
  };
}

function topicPartition(store: LogStore, entry: unknown, with_offset: boolean) {
  const { topic, partition, offset } = (entry ?? {}) as Record<string, unknown>;
  if (typeof topic !== "string" || !Number.isSafeInteger(partition)) throw new UpstashError(400, "each entry must have topic (string) and partition (integer)");
  if (!store.hasPartition({ topic, partition: partition as number })) throw new UpstashError(400, `topic ${topic} has no partition ${String(partition)}`);
  if (with_offset && !(Number.isSafeInteger(offset) && (offset as number) >= 0)) throw new UpstashError(400, "offset must be an integer >= 0");
  return { topic, partition: partition as number, offset: offset as number | undefined };
}

function wholeNumber(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new UpstashError(400, `${name} must be a whole number`);
  return value as number;
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "" || text.trim() === "undefined") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UpstashError(400, "request body is not valid JSON");
  }
}
