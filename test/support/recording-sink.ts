/**
 * An OutboxSink test double that records what the actor flushed. It stands in for the
 * Postgres sink only in actor unit tests; the real writer has its own suite (test/sink).
 */
import { TransientError } from "../../src/core/errors.ts";
import type { SinkRows } from "../../src/core/postgres-rows.ts";

export class RecordingSink {
  readonly batches: SinkRows[] = [];
  failing = false;

  async write(rows: SinkRows): Promise<void> {
    if (this.failing) throw new TransientError("sink unavailable (test)");
    this.batches.push(structuredClone(rows));
  }

  rows<K extends keyof SinkRows>(table: K): SinkRows[K] {
    return this.batches.flatMap((batch) => batch[table] as unknown[]) as SinkRows[K];
  }
}
