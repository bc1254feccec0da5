/**
 * What the consumer needs from a Kafka-over-HTTP protocol (DESIGN.md section 10). Two adapters
 * fill it in: `upstash` (through `@upstash/kafka`) and `confluent-v2` (plain fetch).
 *
 * Guarantees every adapter gives, checked by one contract suite against the dev broker:
 * - `poll()` joins the group on its first call (that answer may be empty), then answers records
 *   of the subscribed topics in partition order, each partition continuing where the last poll
 *   stopped; after `open()` (and after a consumer instance the proxy expired is re-created) it
 *   starts again at the group's committed offsets, so nothing fetched and not committed is lost;
 * - `commit(offsets)` takes, per partition, the offset of the next record to read (Kafka's own
 *   convention) and resolves once the proxy stored it, whatever the proxy's own convention;
 * - offsets are integers (safe up to 2^53, which a partition never reaches).
 */

export interface RecordHeader {
  key: string;
  value: string;
}

export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  /** The key as text; null when the record has none. */
  key: string | null;
  /** The value's bytes; null for a record without one (a tombstone). */
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PartitionOffset extends TopicPartition {
  offset: number;
}

export interface ProduceRecord {
  key: string | null;
  value: Uint8Array;
  headers: RecordHeader[];
}

export interface KafkaSource {
  readonly protocol: "upstash" | "confluent-v2";
  /** Clears any instance left under this name (a crashed run's, with uncommitted positions) and joins afresh. */
  open(): Promise<void>;
  poll(): Promise<KafkaRecord[]>;
  commit(offsets: PartitionOffset[]): Promise<void>;
  /** Every partition of the subscribed topics with its log end (the offset the next record appended gets). */
  logEnds(): Promise<PartitionOffset[]>;
  /**
   * The group's committed offsets (next to read), where the protocol can tell them. Confluent v2
   * documents this as a GET with a body, which neither Bun's fetch nor workerd's sends, so that
   * adapter has none (the consumer keeps what it commits instead: committed-offsets-store.ts).
   */
  committed?(partitions: TopicPartition[]): Promise<PartitionOffset[]>;
  /** Appends records to a topic (the dead-letter topic); resolves once the proxy acknowledged them. */
  produce(topic: string, records: ProduceRecord[]): Promise<void>;
  /** Leaves the group: deletes the consumer instance (Karapace never expires idle ones). */
  close(): Promise<void>;
}

/** The proxy answered with an error, or could not be reached. */
export class KafkaSourceError extends Error {
  override readonly name = "KafkaSourceError";
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export function basicAuthorization(username: string | null, password: string | null): Record<string, string> {
  if (username === null) return {};
  return { authorization: `Basic ${btoa(unescape(encodeURIComponent(`${username}:${password ?? ""}`)))}` };
}
