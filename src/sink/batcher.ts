/**
 * Merges the SinkRows of many callers (actors flushing their outboxes) into batches, so the
 * number of Postgres connections in use is `writers_max` however many actors exist.
 *
 * Guarantees:
 * - `write(rows)` resolves once the batch holding `rows` has committed and rejects if it
 *   failed; the rows of one call always travel in one batch, never split.
 * - At most `writers_max` batches are written at once; a batch holds at most `batch_rows_max`
 *   rows unless a single call brings more.
 * - A failing batch of several callers is retried in halves, so one caller's bad rows cannot
 *   keep failing everyone else's; when both halves fail, the cause is taken to be the database
 *   and every caller in them gets the error (callers retry with their own backoff).
 * - No retries beyond that, no clock, no platform API: it runs in Bun and in a Durable Object.
 */
import { TransientError } from "../core/errors.ts";
import { countSinkRows, mergeSinkRows } from "../core/merge-sink-rows.ts";
import type { SinkRows } from "../core/postgres-rows.ts";

export interface SinkBatcherOptions {
  write: (rows: SinkRows) => Promise<void>;
  /** Rows per batch (default 2000). */
  batch_rows_max?: number;
  /** Batches written at once, i.e. connections used (default 2). */
  writers_max?: number;
  /** How long a batch that is not full waits for more rows when a writer is free (default 0). */
  linger_ms?: number;
  /** Rows waiting, beyond which `write` rejects with a TransientError (default 100,000). */
  queued_rows_max?: number;
}

interface Entry {
  rows: SinkRows;
  row_count: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class SinkBatcher {
  readonly #write: (rows: SinkRows) => Promise<void>;
  readonly #batch_rows_max: number;
  readonly #writers_max: number;
  readonly #linger_ms: number;
  readonly #queued_rows_max: number;
  #queue: Entry[] = [];
  #queued_rows = 0;
  #writing_rows = 0;
  #writers = 0;
  #linger_timer: ReturnType<typeof setTimeout> | null = null;
  #linger_done = false;
  #closed = false;
  #drained: (() => void)[] = [];

  constructor(options: SinkBatcherOptions) {
    this.#write = options.write;
    this.#batch_rows_max = positive(options.batch_rows_max ?? 2000, "batch_rows_max");
    this.#writers_max = positive(options.writers_max ?? 2, "writers_max");
    this.#linger_ms = Math.max(0, options.linger_ms ?? 0);
    this.#queued_rows_max = positive(options.queued_rows_max ?? 100_000, "queued_rows_max");
  }

  write(rows: SinkRows): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("the sink batcher is closed"));
    const row_count = countSinkRows(rows);
    if (row_count === 0) return Promise.resolve();
    if (this.#queue.length > 0 && this.#queued_rows + row_count > this.#queued_rows_max) {
      return Promise.reject(new TransientError(`the sink backlog is full (${this.#queued_rows} rows waiting)`));
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ rows, row_count, resolve, reject });
      this.#queued_rows += row_count;
      this.#pump();
    });
  }

  /** Rows accepted and not yet committed or failed: waiting plus being written. */
  pending(): number {
    return this.#queued_rows + this.#writing_rows;
  }

  /** Refuses new writes, writes everything accepted, and resolves when all of it settled. */
  close(): Promise<void> {
    this.#closed = true;
    this.#pump();
    if (this.#queue.length === 0 && this.#writers === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  #pump(): void {
    while (this.#writers < this.#writers_max && this.#queue.length > 0) {
      if (!this.#batchIsDue()) {
        this.#linger_timer ??= setTimeout(() => {
          this.#linger_timer = null;
          this.#linger_done = true;
          this.#pump();
        }, this.#linger_ms);
        return;
      }
      const batch = this.#takeBatch();
      this.#writers += 1;
      void this.#writeBatch(batch).finally(() => {
        this.#writers -= 1;
        this.#pump();
      });
    }
    if (this.#queue.length === 0 && this.#writers === 0) {
      for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  #batchIsDue(): boolean {
    return this.#linger_ms === 0 || this.#linger_done || this.#closed || this.#queued_rows >= this.#batch_rows_max;
  }

  #takeBatch(): Entry[] {
    const batch: Entry[] = [];
    let rows = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      if (batch.length > 0 && rows + next.row_count > this.#batch_rows_max) break;
      batch.push(this.#queue.shift()!);
      rows += next.row_count;
    }
    this.#queued_rows -= rows;
    this.#writing_rows += rows;
    if (this.#queue.length === 0) {
      this.#linger_done = false;
      if (this.#linger_timer !== null) clearTimeout(this.#linger_timer);
      this.#linger_timer = null;
    }
    return batch;
  }

  async #writeBatch(batch: Entry[]): Promise<void> {
    const error = await this.#attempt(batch);
    if (error !== null) await this.#isolate(batch, error);
  }

  /** Writes `entries` as one batch; settles them on success and returns the error otherwise. */
  async #attempt(entries: Entry[]): Promise<unknown | null> {
    try {
      await this.#write(entries.length === 1 ? entries[0]!.rows : mergeSinkRows(entries.map((entry) => entry.rows)));
    } catch (error) {
      return error ?? new Error("the sink write failed");
    }
    this.#settle(entries, null);
    return null;
  }

  /** Bisects a failed batch to find the entries that fail on their own. */
  async #isolate(entries: Entry[], error: unknown): Promise<void> {
    if (entries.length === 1) return this.#settle(entries, error);
    const middle = Math.ceil(entries.length / 2);
    const halves = [entries.slice(0, middle), entries.slice(middle)] as const;
    const left_error = await this.#attempt(halves[0]);
    const right_error = await this.#attempt(halves[1]);
    if (left_error !== null && right_error !== null) {
      this.#settle(halves[0], left_error);
      this.#settle(halves[1], right_error);
      return;
    }
    if (left_error !== null) await this.#isolate(halves[0], left_error);
    if (right_error !== null) await this.#isolate(halves[1], right_error);
  }

  #settle(entries: Entry[], error: unknown | null): void {
    for (const entry of entries) {
      this.#writing_rows -= entry.row_count;
      if (error === null) entry.resolve();
      else entry.reject(error);
    }
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, found ${value}`);
  return value;
}
