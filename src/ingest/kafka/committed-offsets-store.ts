/**
 * Where the consumer keeps the offsets it commits, one store per group on each host (the Bun
 * host: a file in DATA_DIR; Cloudflare: the consumer object's storage).
 *
 * Why: after a restart, a partition that receives no new record tells the consumer nothing,
 * and the Confluent v2 protocol reads committed offsets only with a GET that carries a body,
 * which neither Bun's fetch nor workerd's can send. Without this the lag of such a partition
 * would stay unknown (null) until its next record.
 *
 * Only GET /kafka/consumers and the lag metrics read it; the proxy's committed offsets stay the
 * truth for where consuming resumes. The consumer writes a commit here before sending it, so
 * the store is never behind the proxy: when a commit then fails (or the process dies before
 * it), the records past the proxy's offset come again and their first one corrects the view.
 */
import type { PartitionOffset } from "./kafka-source.ts";

export interface CommittedOffsetsStore {
  /** The offsets last written (the next record to read, per partition). */
  read(): Promise<PartitionOffset[]>;
  /** Replaces these partitions' offsets; resolves once they survive a crash of the process. */
  write(offsets: PartitionOffset[]): Promise<void>;
}

/** A store in memory: for tests, and for a consumer whose host keeps nothing across restarts. */
export function memoryCommittedOffsets(): CommittedOffsetsStore & { offsets: Map<string, PartitionOffset> } {
  const offsets = new Map<string, PartitionOffset>();
  return {
    offsets,
    read: async () => [...offsets.values()],
    write: async (written) => {
      for (const offset of written) offsets.set(`${offset.topic}\u0000${offset.partition}`, { ...offset });
    },
  };
}
