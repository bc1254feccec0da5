/**
 * Consumer groups of the dev broker, shared by both protocols: instances (named members) join
 * a group by subscribing, the group's partitions are spread over its members, each member reads
 * from its own positions and commits to the group's offsets in the log store.
 *
 * Behaviours copied from real proxies because clients must cope with them:
 * - the first fetch after joining, and the first after any rebalance, answers no records
 *   (Kafka's group coordination takes a poll or two);
 * - a member idle for `instance_timeout_ms` is removed (Confluent's consumer.instance.timeout.ms,
 *   5 minutes by default); its partitions go to the other members from their committed offsets;
 * - a partition a member gains starts at the group's committed offset, or by `offset_reset`
 *   when the group has none.
 */
import type { LogStore, StoredRecord, TopicPartition } from "./log-store.ts";

export type EmbeddedFormat = "binary" | "json" | "upstash";

export interface InstanceOptions {
  format: EmbeddedFormat;
  offset_reset: "earliest" | "latest";
  auto_commit: boolean;
  auto_commit_interval_ms: number;
}

export interface Instance {
  readonly group: string;
  readonly name: string;
  readonly options: InstanceOptions;
  topics: string[];
  /** Next offset to read, by "topic/partition". */
  positions: Map<string, number>;
  /** Null until the first fetch: that fetch is the join, and answers nothing. */
  assignment: string | null;
  last_used_ms: number;
  last_auto_commit_ms: number;
}

export type FetchedRecord = StoredRecord & TopicPartition;

export interface FetchLimits {
  timeout_ms: number;
  records_max: number;
  bytes_max: number;
}

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

export class ConsumerGroups {
  readonly #groups = new Map<string, Map<string, Instance>>();
  #rotation = 0;

  constructor(
    private readonly store: LogStore,
    private readonly options: { instance_timeout_ms: number; now: () => number },
  ) {}

  /** Null when an instance of that name already exists in the group. */
  create(group: string, name: string, options: InstanceOptions): Instance | null {
    this.sweep();
    const members = this.#groups.get(group) ?? new Map<string, Instance>();
    if (members.has(name)) return null;
    const now = this.options.now();
    const instance: Instance = { group, name, options, topics: [], positions: new Map(), assignment: null, last_used_ms: now, last_auto_commit_ms: now };
    members.set(name, instance);
    this.#groups.set(group, members);
    return instance;
  }

  /** The live instance, marked as used; undefined when it never existed or expired. */
  find(group: string, name: string): Instance | undefined {
    this.sweep();
    const instance = this.#groups.get(group)?.get(name);
    if (instance) instance.last_used_ms = this.options.now();
    return instance;
  }

  delete(group: string, name: string): boolean {
    const members = this.#groups.get(group);
    const deleted = members?.delete(name) ?? false;
    if (members && members.size === 0) this.#groups.delete(group);
    return deleted;
  }

  subscribe(instance: Instance, topics: string[]): void {
    instance.topics = [...new Set(topics)].sort();
  }

  /** The partitions the instance holds now (after any rebalance its last fetch saw). */
  assigned(instance: Instance): TopicPartition[] {
    return [...instance.positions.keys()].map((key) => {
      const slash = key.lastIndexOf("/");
      return { topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)) };
    });
  }

  async fetch(instance: Instance, limits: FetchLimits): Promise<FetchedRecord[]> {
    if (this.#rebalance(instance)) return [];
    this.#autoCommit(instance);
    let records = this.#read(instance, limits);
    if (records.length > 0 || limits.timeout_ms <= 0) return records;
    await this.#appendOrTimeout(limits.timeout_ms);
    if (this.#rebalance(instance)) return [];
    records = this.#read(instance, limits);
    return records;
  }

  /** Commits every position the instance holds (an empty commit request, or auto-commit). */
  commitPositions(instance: Instance): void {
    const offsets = [...instance.positions].map(([key, offset]) => {
      const slash = key.lastIndexOf("/");
      return { topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)), offset };
    });
    if (offsets.length > 0) this.store.commit(instance.group, offsets);
  }

  list(): Array<{ group: string; instances: Instance[] }> {
    this.sweep();
    return [...this.#groups].map(([group, members]) => ({ group, instances: [...members.values()] }));
  }

  sweep(): void {
    const oldest = this.options.now() - this.options.instance_timeout_ms;
    for (const [group, members] of this.#groups) {
      for (const [name, instance] of members) if (instance.last_used_ms < oldest) members.delete(name);
      if (members.size === 0) this.#groups.delete(group);
    }
  }

  /** Recomputes the instance's share of its group; true when it changed (that fetch is empty). */
  #rebalance(instance: Instance): boolean {
    const wanted = this.#share(instance);
    const signature = wanted.map(({ topic, partition }) => partitionKey(topic, partition)).join(",");
    if (signature === instance.assignment) return false;
    const positions = new Map<string, number>();
    for (const { topic, partition } of wanted) {
      const key = partitionKey(topic, partition);
      positions.set(key, instance.positions.get(key) ?? this.#startOffset(instance, topic, partition));
    }
    instance.positions = positions;
    instance.assignment = signature;
    return true;
  }

  #share(instance: Instance): TopicPartition[] {
    const members = [...(this.#groups.get(instance.group)?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
    const share: TopicPartition[] = [];
    for (const topic of instance.topics) {
      const count = this.store.partitionCount(topic);
      if (count === undefined) continue;
      const subscribers = members.filter((member) => member.topics.includes(topic));
      const index = subscribers.indexOf(instance);
      for (let partition = 0; partition < count; partition += 1) {
        if (partition % subscribers.length === index) share.push({ topic, partition });
      }
    }
    return share;
  }

  #startOffset(instance: Instance, topic: string, partition: number): number {
    const end = this.store.endOffset(topic, partition);
    const committed = this.store.committed(instance.group, topic, partition);
    if (committed !== undefined && committed <= end) return committed;
    return instance.options.offset_reset === "earliest" ? 0 : end;
  }

  #autoCommit(instance: Instance): void {
    if (!instance.options.auto_commit) return;
    const now = this.options.now();
    if (now - instance.last_auto_commit_ms < instance.options.auto_commit_interval_ms) return;
    this.commitPositions(instance);
    instance.last_auto_commit_ms = now;
  }

  /** Reads partitions in a rotating order, so one busy partition cannot starve the others. */
  #read(instance: Instance, limits: FetchLimits): FetchedRecord[] {
    const assigned = this.assigned(instance);
    const records: FetchedRecord[] = [];
    let bytes = 0;
    const start = this.#rotation++;
    for (let step = 0; step < assigned.length && records.length < limits.records_max; step += 1) {
      const { topic, partition } = assigned[(start + step) % assigned.length]!;
      const key = partitionKey(topic, partition);
      let position = instance.positions.get(key)!;
      for (const record of this.store.read(topic, partition, position, limits.records_max - records.length)) {
        const size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
        // Always at least one record, however large, so a big record cannot stall a partition.
        if (records.length > 0 && bytes + size > limits.bytes_max) break;
        records.push({ ...record, topic, partition });
        bytes += size;
        position = record.offset + 1;
      }
      instance.positions.set(key, position);
      if (records.length > 0 && bytes >= limits.bytes_max) break;
    }
    return records;
  }

  #appendOrTimeout(timeout_ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, timeout_ms);
      const unsubscribe = this.store.onAppend(done);
    });
  }
}
