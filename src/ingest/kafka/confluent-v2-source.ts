/**
 * The Confluent REST Proxy v2 consumer protocol with plain fetch (Confluent REST Proxy,
 * Redpanda's HTTP Proxy, Karapace, Strimzi's Kafka Bridge).
 *
 * Proxy quirks handled here:
 * - an instance is pinned to the proxy process that created it: every call after creation
 *   goes to the `base_uri` it returned, not to KAFKA_REST_URL;
 * - idle instances expire (Confluent: consumer.instance.timeout.ms, 5 minutes); a 404 with
 *   error_code 40403 re-creates the instance, which resumes at the group's committed offsets;
 * - the instance name is stable, so `open()` first deletes any instance a crashed run left under
 *   it (its positions may be past what was committed);
 * - what a committed offset means differs by proxy (`commit_convention`, see kafka-config.ts);
 * - v2 produce has no record headers, so a record produced with headers (a dead letter) carries
 *   them in its value: `{"dead_letter": {header: value, ...}, "key": ..., "value": "<original text>"}`;
 *   a record without headers is produced as it is.
 */
import type { CommitConvention } from "./kafka-config.ts";
import { basicAuthorization, KafkaSourceError, type KafkaRecord, type KafkaSource, type PartitionOffset, type ProduceRecord } from "./kafka-source.ts";

const V2 = "application/vnd.kafka.v2+json";
const RECORD_TYPES = { binary: "application/vnd.kafka.binary.v2+json", json: "application/vnd.kafka.json.v2+json" } as const;

export interface ConfluentV2Options {
  rest_url: string;
  group: string;
  instance: string;
  topics: string[];
  username: string | null;
  password: string | null;
  offset_reset: "earliest" | "latest";
  commit_convention: CommitConvention;
  format: "binary" | "json";
  poll_timeout_ms: number;
  /** Bytes per fetch (max_bytes). */
  fetch_bytes_max?: number;
  fetch?: FetchFunction;
}

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

interface WireRecord {
  topic: string;
  partition: number;
  offset: number;
  key: unknown;
  value: unknown;
}

export class ConfluentV2Source implements KafkaSource {
  readonly protocol = "confluent-v2";
  readonly #options: ConfluentV2Options;
  readonly #fetch: FetchFunction;
  readonly #auth: Record<string, string>;
  #base_uri: string | null = null;
  /** Instances created, for tests and the log: more than one means the proxy expired ours. */
  instances_created = 0;

  constructor(options: ConfluentV2Options) {
    this.#options = options;
    // Called unbound: workerd's fetch refuses any `this` but the global one.
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#auth = basicAuthorization(options.username, options.password);
  }

  async open(): Promise<void> {
    const stale = `${this.#options.rest_url}/consumers/${encodeURIComponent(this.#options.group)}/instances/${encodeURIComponent(this.#options.instance)}`;
    const deleted = await this.#call("DELETE", stale);
    if (!deleted.ok && deleted.status !== 404) throw await this.#error("deleting the previous consumer instance", deleted);
    await this.#create();
  }

  async poll(): Promise<KafkaRecord[]> {
    const base = await this.#base();
    const query = `timeout=${this.#options.poll_timeout_ms}&max_bytes=${this.#options.fetch_bytes_max ?? 4 * 1024 * 1024}`;
    const response = await this.#call("GET", `${base}/records?${query}`, undefined, { accept: RECORD_TYPES[this.#options.format] });
    if (await this.#expired(response)) return [];
    if (!response.ok) throw await this.#error("fetching records", response);
    const records = (await response.json()) as WireRecord[];
    return records.map((record) => this.#record(record));
  }

  async commit(offsets: PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const shift = this.#options.commit_convention === "last-record" ? 1 : 0;
    const body = { offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: offset - shift })) };
    for (let attempt = 0; ; attempt += 1) {
      const response = await this.#call("POST", `${await this.#base()}/offsets`, body);
      if (attempt === 0 && (await this.#expired(response))) continue;
      if (!response.ok) throw await this.#error("committing offsets", response);
      await response.body?.cancel();
      return;
    }
  }

  async logEnds(): Promise<PartitionOffset[]> {
    const ends: PartitionOffset[] = [];
    for (const topic of this.#options.topics) {
      const metadata = await this.#call("GET", `${this.#options.rest_url}/topics/${encodeURIComponent(topic)}`);
      if (metadata.status === 404) {
        await metadata.body?.cancel();
        continue;
      }
      if (!metadata.ok) throw await this.#error(`reading topic ${topic}`, metadata);
      const { partitions } = (await metadata.json()) as { partitions: Array<{ partition: number }> };
      for (const { partition } of partitions) {
        const offsets = await this.#call("GET", `${this.#options.rest_url}/topics/${encodeURIComponent(topic)}/partitions/${partition}/offsets`);
        if (!offsets.ok) throw await this.#error(`reading the offsets of ${topic}/${partition}`, offsets);
        const { end_offset } = (await offsets.json()) as { end_offset: number };
        ends.push({ topic, partition, offset: end_offset });
      }
    }
    return ends;
  }

  async produce(topic: string, records: ProduceRecord[]): Promise<void> {
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    const wire = records.map((record) => {
      const value =
        record.headers.length === 0
          ? record.value
          : encoder.encode(
              JSON.stringify({
                dead_letter: Object.fromEntries(record.headers.map((header) => [header.key, header.value])),
                key: record.key,
                value: decoder.decode(record.value),
              }),
            );
      return { key: record.key === null ? null : base64(encoder.encode(record.key)), value: base64(value) };
    });
    const response = await this.#call("POST", `${this.#options.rest_url}/topics/${encodeURIComponent(topic)}`, { records: wire }, { "content-type": RECORD_TYPES.binary });
    if (!response.ok) throw await this.#error(`producing to ${topic}`, response);
    const answer = (await response.json()) as { offsets: Array<{ error_code: number | null; error: string | null }> };
    const failed = answer.offsets.find((offset) => offset.error_code !== null);
    if (failed) throw new KafkaSourceError(`producing to ${topic} failed: ${failed.error}`, response.status);
  }

  async close(): Promise<void> {
    if (this.#base_uri === null) return;
    const response = await this.#call("DELETE", this.#base_uri);
    this.#base_uri = null;
    if (!response.ok && response.status !== 404) throw await this.#error("deleting the consumer instance", response);
    await response.body?.cancel();
  }

  async #create(): Promise<void> {
    const { group, instance, topics, format, offset_reset, rest_url } = this.#options;
    const body = { name: instance, format, "auto.offset.reset": offset_reset, "auto.commit.enable": "false" };
    const created = await this.#call("POST", `${rest_url}/consumers/${encodeURIComponent(group)}`, body);
    if (!created.ok) throw await this.#error("creating the consumer instance", created);
    const { base_uri } = (await created.json()) as { base_uri: string };
    const subscribed = await this.#call("POST", `${base_uri}/subscription`, { topics });
    if (!subscribed.ok) throw await this.#error("subscribing", subscribed);
    await subscribed.body?.cancel();
    this.#base_uri = base_uri;
    this.instances_created += 1;
  }

  async #base(): Promise<string> {
    if (this.#base_uri === null) await this.#create();
    return this.#base_uri!;
  }

  /** True (and the instance re-created) when the proxy no longer knows our instance. */
  async #expired(response: Response): Promise<boolean> {
    if (response.status !== 404) return false;
    const body = (await response.clone().json().catch(() => null)) as { error_code?: number } | null;
    if (body?.error_code !== 40403) return false;
    await response.body?.cancel();
    this.#base_uri = null;
    await this.#create();
    return true;
  }

  #record(record: WireRecord): KafkaRecord {
    const encoder = new TextEncoder();
    if (this.#options.format === "json") {
      return {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key === null ? null : typeof record.key === "string" ? record.key : JSON.stringify(record.key),
        value: record.value === null ? null : encoder.encode(JSON.stringify(record.value)),
        headers: [],
      };
    }
    const bytes = (field: unknown) => (typeof field === "string" ? Uint8Array.from(atob(field), (char) => char.charCodeAt(0)) : null);
    const key = bytes(record.key);
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      key: key === null ? null : new TextDecoder().decode(key),
      value: bytes(record.value),
      headers: [],
    };
  }

  #call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.#fetch(url, {
      method,
      headers: { ...this.#auth, ...(body === undefined ? {} : { "content-type": V2 }), accept: V2, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((error: unknown) => {
      throw new KafkaSourceError(`${method} ${url} failed: ${(error as Error).message}`, null);
    });
  }

  async #error(what: string, response: Response): Promise<KafkaSourceError> {
    const text = await response.text().catch(() => "");
    return new KafkaSourceError(`${what}: the proxy answered ${response.status} ${text.slice(0, 300)}`, response.status);
  }
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}
