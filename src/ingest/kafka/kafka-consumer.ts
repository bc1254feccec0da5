/**
 * The Kafka consumer (DESIGN.md section 10): polls a batch, hands every record to the actor of
 * its key through the one admission path (`actors.accept`, or `actors.acceptDeadLetter` for a
 * poison record with a key), and commits a partition's offset only past records that are
 * durably accepted or dead-lettered.
 *
 * Guarantees:
 * - within a key, records are accepted one at a time in offset order; keys run in parallel,
 *   at most `keys_in_parallel` at once;
 * - `inbox_full`, `overloaded` and thrown (transient) errors are retried with capped
 *   exponential backoff; nothing is committed past a record still waiting, and no new batch
 *   is polled meanwhile, so at most one batch is ever held in memory;
 * - poison records (no key, bad JSON, schema errors, key/body mismatch) and records of a
 *   payment whose dead letters are full are produced to `<topic>.dlq` and written to
 *   `dead_letters` before their offset is committed past: a partition never stalls on them.
 *   One with a key joins its payment's dead letters (in offset order with the key's events;
 *   the actor writes its `dead_letters` row), one without goes to `dead_letters` directly;
 * - acceptance is idempotent, so a batch redelivered after a crash changes nothing; the
 *   dead-letter topic may receive a poison record twice after a crash (at least once).
 * No clock of its own: `now` and `sleep` are passed in.
 */
import type { JsonLimits } from "../json-limits.ts";
import type { PaymentEvent } from "../../core/event.ts";
import { errorMessage } from "../../core/errors.ts";
import type { DeadLetterRow } from "../../core/postgres-rows.ts";
import type { RefusedRecord } from "../../core/refused-record.ts";
import type { AcceptOutcome, PaymentActorsPort } from "../../http/ports.ts";
import { CommitTracker } from "./commit-tracker.ts";
import type { CommittedOffsetsStore } from "./committed-offsets-store.ts";
import type { DeadLetterPublisher } from "./dead-letter-publisher.ts";
import { deadLetterRecord, deadLetterRow, refusedRecord } from "./dead-letter-records.ts";
import type { KafkaMetrics } from "./kafka-metrics.ts";
import type { KafkaRecord, KafkaSource, PartitionOffset } from "./kafka-source.ts";
import { decodeRecord, type Poison } from "./record-decoding.ts";

export interface DeadLetterSink {
  /** Resolves once the rows are durable in Postgres. */
  write(rows: DeadLetterRow[]): Promise<void>;
}

/** The payment actors as the consumer reaches them: the one admission path, for events and for poison records. */
export interface KafkaActorsPort {
  accept: PaymentActorsPort["accept"];
  /** Resolves once the record is durable in its payment's dead letters (or recognised as one that is). */
  acceptDeadLetter(record: RefusedRecord): Promise<AcceptOutcome>;
}

export interface KafkaConsumerOptions {
  source: KafkaSource;
  actors: KafkaActorsPort;
  dead_letters: DeadLetterSink;
  /** Keeps what this consumer commits, so the view knows every partition's lag after a restart. */
  committed_offsets?: CommittedOffsetsStore;
  /** Produces the actors' dead letters of Kafka-sourced events to `<topic>.dlq`, run between polls. */
  dead_letter_publisher?: DeadLetterPublisher;
  metrics?: KafkaMetrics;
  now(): number;
  sleep(ms: number): Promise<void>;
  keys_in_parallel?: number;
  backoff_ms_initial?: number;
  backoff_ms_max?: number;
  log_end_refresh_ms?: number;
  log?: (line: string) => void;
  /** JSON_DEPTH_MAX, JSON_STRING_LENGTH_MAX, JSON_KEYS_PER_OBJECT_MAX for record values; absent: the defaults. */
  json_limits?: JsonLimits;
}

export interface PartitionStatus {
  topic: string;
  partition: number;
  /** The next offset to read as this consumer last committed it (or resumed from); null until known. */
  committed_offset: number | null;
  log_end_offset: number | null;
  lag: number | null;
}

class Stopped extends Error {}

/** A record of one key: an event for the inbox, or a poison record for the payment's dead letters. */
type KeyedItem = { record: KafkaRecord; event: PaymentEvent } | { record: KafkaRecord; refused: RefusedRecord; poison: Poison };

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class KafkaConsumer {
  readonly #options: KafkaConsumerOptions;
  readonly #committed = new Map<string, number>();
  readonly #log_ends = new Map<string, number>();
  readonly #partitions = new Map<string, { topic: string; partition: number }>();
  /** Partitions this run has read a record of: their first record's offset is the group's committed one. */
  readonly #read = new Set<string>();
  /** What the committed-offsets store held at start, for partitions this run has read nothing of. */
  #stored: Promise<Map<string, number>> | null = null;
  #log_ends_read_at = -Infinity;
  #stopping = false;
  #loop: Promise<void> | null = null;
  /** Records handled since start (accepted, duplicate or dead-lettered), for tests and the log. */
  records_handled = 0;

  constructor(options: KafkaConsumerOptions) {
    this.#options = options;
  }

  /**
   * Starts the poll loop, which first opens the source (clearing a crashed run's instance),
   * retrying while the proxy cannot be reached: the host starts whether or not it answers.
   */
  start(): void {
    this.#loop ??= this.#open().then(() => this.#run());
  }

  /** Finishes or abandons the batch in hand, commits what was accepted, and leaves the group. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
    try {
      await this.#options.source.close();
    } catch (error) {
      this.#log(`leaving the group failed (the proxy expires the instance later): ${errorMessage(error)}`);
    }
  }

  /** One poll, its records handled and committed; answers how many records it handled. */
  async cycle(): Promise<number> {
    const records = await this.#options.source.poll();
    for (const record of records) {
      const partition_key = key(record.topic, record.partition);
      if (!this.#partitions.has(partition_key)) this.#partitions.set(partition_key, { topic: record.topic, partition: record.partition });
      // The first record of a partition in this run is where the group's committed offset was,
      // whatever the store said (it may be ahead after a commit that never reached the proxy).
      if (!this.#read.has(partition_key)) {
        this.#read.add(partition_key);
        this.#committed.set(partition_key, record.offset);
      }
    }
    if (records.length > 0) await this.#handle(records);
    await this.#refreshLogEnds(records.length === 0);
    await this.#options.dead_letter_publisher?.publishDue(this.#options.now());
    return records.length;
  }

  partitions(): PartitionStatus[] {
    return [...this.#partitions.entries()]
      .map(([partition_key, { topic, partition }]) => {
        const committed_offset = this.#committed.get(partition_key) ?? null;
        const log_end_offset = this.#log_ends.get(partition_key) ?? null;
        // An empty partition has nothing to lag behind, committed or not.
        const lag = log_end_offset === 0 ? 0 : committed_offset === null || log_end_offset === null ? null : Math.max(0, log_end_offset - committed_offset);
        return { topic, partition, committed_offset, log_end_offset, lag };
      })
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  async #open(): Promise<void> {
    for (let attempt = 1; !this.#stopping; attempt += 1) {
      try {
        await this.#options.source.open();
        return;
      } catch (error) {
        this.#log(`kafka consumer: joining the group failed: ${errorMessage(error)} (retrying)`);
        await this.#options.sleep(this.#backoff(attempt));
      }
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      try {
        await this.cycle();
        failures = 0;
      } catch (error) {
        if (error instanceof Stopped) break;
        failures += 1;
        this.#log(`kafka consumer: ${errorMessage(error)} (retrying)`);
        await this.#options.sleep(this.#backoff(failures));
      }
    }
  }

  async #handle(records: KafkaRecord[]): Promise<void> {
    const tracker = new CommitTracker(records);
    const poison: Array<{ record: KafkaRecord; poison: Poison }> = [];
    const by_key = new Map<string, KeyedItem[]>();
    const enqueue = (payment_id: string, item: KeyedItem) => {
      const queue = by_key.get(payment_id) ?? [];
      queue.push(item);
      by_key.set(payment_id, queue);
    };
    for (const record of records) {
      const decoded = decodeRecord(record, this.#options.json_limits);
      if (decoded.ok) {
        enqueue(decoded.payment_id, { record, event: decoded.event });
        continue;
      }
      const refused = refusedRecord(record, decoded.poison);
      if (refused === null) poison.push({ record, poison: decoded.poison });
      else enqueue(refused.payment_id, { record, refused, poison: decoded.poison });
    }
    const accepting = runLimited([...by_key.values()], this.#options.keys_in_parallel ?? 32, async (queue) => {
      for (const item of queue) {
        const { record } = item;
        if ("refused" in item) {
          const outcome = await this.#admit(record, () => this.#options.actors.acceptDeadLetter(item.refused));
          // Its payment's DLQ is full: the record is a dead letter in Postgres only.
          await this.#deadLetter([{ record, poison: item.poison }], tracker, { rows: outcome === "dead_letters_full" });
          continue;
        }
        const outcome = await this.#admit(record, () => this.#options.actors.accept(item.event, kafkaSource(record)));
        if (outcome === "dead_letters_full") {
          await this.#deadLetter([{ record, poison: fullPoison(item.event) }], tracker);
          continue;
        }
        this.records_handled += 1;
        this.#options.metrics?.record(record.topic, record.partition, outcome);
        tracker.done(record);
      }
    });
    const results = await Promise.allSettled([accepting, poison.length > 0 ? this.#deadLetter(poison, tracker) : Promise.resolve()]);
    await this.#commit(tracker.commitPoints());
    for (const result of results) if (result.status === "rejected") throw result.reason;
  }

  /** Admits one record through `call`, waiting out `inbox_full`, `overloaded` and failures. */
  async #admit(record: KafkaRecord, call: () => Promise<AcceptOutcome>): Promise<"accepted" | "duplicate" | "dead_letters_full"> {
    for (let attempt = 1; ; attempt += 1) {
      let outcome: AcceptOutcome | "error";
      try {
        outcome = await call();
      } catch (error) {
        outcome = "error";
        if (attempt === 1) this.#log(`kafka consumer: accepting ${record.topic}/${record.partition}/${record.offset} failed: ${errorMessage(error)} (retrying)`);
      }
      if (outcome === "accepted" || outcome === "duplicate" || outcome === "dead_letters_full") return outcome;
      this.#options.metrics?.retry(outcome);
      await this.#wait(attempt);
    }
  }

  /** Produces to `<topic>.dlq` and, unless an actor holds them (`rows: false`), writes their `dead_letters` rows. */
  async #deadLetter(items: Array<{ record: KafkaRecord; poison: Poison }>, tracker: CommitTracker, options = { rows: true }): Promise<void> {
    const failed_at = this.#options.now();
    const by_topic = new Map<string, typeof items>();
    for (const item of items) by_topic.set(item.record.topic, [...(by_topic.get(item.record.topic) ?? []), item]);
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (options.rows) await this.#options.dead_letters.write(items.map(({ record, poison }) => deadLetterRow(record, poison, failed_at)));
        for (const [topic, list] of by_topic) {
          await this.#options.source.produce(`${topic}.dlq`, list.map(({ record, poison }) => deadLetterRecord(record, poison, failed_at, !options.rows)));
        }
        break;
      } catch (error) {
        if (attempt === 1) this.#log(`kafka consumer: dead-lettering ${items.length} records failed: ${errorMessage(error)} (retrying)`);
        await this.#wait(attempt);
      }
    }
    for (const { record, poison } of items) {
      this.records_handled += 1;
      this.#options.metrics?.record(record.topic, record.partition, "dead_lettered");
      this.#options.metrics?.deadLetter(record.topic, record.partition, poison.reason);
      tracker.done(record);
    }
  }

  async #commit(points: PartitionOffset[]): Promise<void> {
    if (points.length === 0) return;
    try {
      await this.#options.committed_offsets?.write(points);
    } catch (error) {
      // The store only serves the view: a failure to keep it must not hold the commit back.
      this.#log(`kafka consumer: keeping the committed offsets failed: ${errorMessage(error)}`);
    }
    for (let attempt = 1; ; attempt += 1) {
      const started = this.#options.now();
      try {
        await this.#options.source.commit(points);
        this.#options.metrics?.commitLatency(this.#options.now() - started);
        for (const point of points) {
          this.#read.add(key(point.topic, point.partition));
          this.#committed.set(key(point.topic, point.partition), point.offset);
        }
        return;
      } catch (error) {
        // Not committing is safe (the records come again and are duplicates); giving up on
        // stop just leaves them for the next run.
        this.#log(`kafka consumer: commit failed: ${errorMessage(error)}`);
        if (this.#stopping || attempt >= 5) throw error;
        await this.#options.sleep(this.#backoff(attempt));
      }
    }
  }

  async #refreshLogEnds(idle: boolean): Promise<void> {
    const now = this.#options.now();
    const refresh_ms = this.#options.log_end_refresh_ms ?? 1_000;
    if (!idle && now - this.#log_ends_read_at < refresh_ms) return;
    if (idle && now - this.#log_ends_read_at < Math.min(refresh_ms, 250)) return;
    this.#log_ends_read_at = now;
    try {
      for (const end of await this.#options.source.logEnds()) {
        const partition_key = key(end.topic, end.partition);
        this.#log_ends.set(partition_key, end.offset);
        if (!this.#partitions.has(partition_key)) this.#partitions.set(partition_key, { topic: end.topic, partition: end.partition });
      }
      const unknown = [...this.#partitions.entries()].filter(([partition_key]) => !this.#committed.has(partition_key)).map(([, partition]) => partition);
      if (unknown.length > 0 && this.#options.source.committed) {
        for (const known of await this.#options.source.committed(unknown)) {
          const partition_key = key(known.topic, known.partition);
          if (!this.#committed.has(partition_key)) this.#committed.set(partition_key, known.offset);
        }
      }
      const still_unknown = unknown.map((partition) => key(partition.topic, partition.partition)).filter((partition_key) => !this.#committed.has(partition_key));
      if (still_unknown.length > 0) {
        const stored = await this.#storedOffsets();
        for (const partition_key of still_unknown) {
          const offset = stored.get(partition_key);
          if (offset !== undefined) this.#committed.set(partition_key, offset);
        }
      }
    } catch (error) {
      this.#log(`kafka consumer: reading log ends failed: ${errorMessage(error)}`);
    }
  }

  /** The store's offsets, read once per run (a store that cannot be read leaves them unknown). */
  #storedOffsets(): Promise<Map<string, number>> {
    this.#stored ??= (async () => {
      const offsets = new Map<string, number>();
      try {
        for (const stored of (await this.#options.committed_offsets?.read()) ?? []) offsets.set(key(stored.topic, stored.partition), stored.offset);
      } catch (error) {
        this.#log(`kafka consumer: reading the committed offsets kept failed: ${errorMessage(error)}`);
      }
      return offsets;
    })();
    return this.#stored;
  }

  /** Waits before a retry; gives up on the batch when the consumer is stopping. */
  async #wait(attempt: number): Promise<void> {
    if (this.#stopping) throw new Stopped();
    await this.#options.sleep(this.#backoff(attempt));
    if (this.#stopping) throw new Stopped();
  }

  #backoff(attempt: number): number {
    const initial = this.#options.backoff_ms_initial ?? 50;
    return Math.min(this.#options.backoff_ms_max ?? 2_000, initial * 2 ** Math.min(attempt - 1, 16));
  }

  #log(line: string): void {
    (this.#options.log ?? console.warn)(line);
  }
}

const kafkaSource = (record: KafkaRecord) => ({ kind: "kafka" as const, topic: record.topic, partition: record.partition, offset: String(record.offset) });

function fullPoison(event: PaymentEvent): Poison {
  return {
    reason: "dead_letters_full",
    error_class: "dead_letters_full",
    error_message: `payment ${event.payment_id} has too many dead letters waiting for an operator; this record was not accepted`,
    payment_id: event.payment_id,
    keyed: true,
    message: event,
    message_is_json: true,
  };
}

async function runLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < items.length && failure === null) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw failure;
}
