/**
 * ActorStorage on a Durable Object's own SQLite storage, through the synchronous KV API
 * (`ctx.storage.kv`, rows of the hidden `__cf_kv` table). Values are stored as JSON text, as
 * on the Bun host, so both hosts give back the same shapes (structured clone would keep
 * `undefined` fields and class instances that JSON drops).
 *
 * The guarantees of actors/runtime.ts hold as follows:
 * - Calls are synchronous; no await happens inside the adapter between a read and a write.
 * - `transaction(fn)` is `transactionSync(fn)`: rolled back if `fn` throws.
 * - Writes are coalesced by the runtime and made durable in order; `sync()` is
 *   `storage.sync()`, and the output gate would hold the answer anyway.
 * - `list` asks the runtime for at most `limit` rows with `prefix` and `startAfter`, so a page
 *   never loads more than it returns.
 *
 * Rows stay small: a value over ROW_BYTES_MAX is refused with a PermanentError before it reaches
 * the runtime (whose own limit, 2 MB per value, would otherwise fail the whole output gate and
 * reset the object).
 */
import { PermanentError } from "../../src/core/errors.ts";
import type { ActorStorage } from "../runtime.ts";
import type { DurableObjectStorageApi } from "./durable-object-api.ts";

/** Half of the SQLite backend's 2 MB value limit, in UTF-8 bytes of the JSON. */
export const ROW_BYTES_MAX = 1024 * 1024;

export class DurableObjectActorStorage implements ActorStorage {
  private depth = 0;
  private readonly committed: Array<() => void> = [];
  private readonly rolled_back: Array<() => void> = [];

  constructor(private readonly storage: DurableObjectStorageApi) {}

  get<T>(key: string): T | undefined {
    const value = this.storage.kv.get(key);
    return value === undefined ? undefined : (JSON.parse(value as string) as T);
  }

  put(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    // A UTF-16 unit is at most 3 bytes of UTF-8: only a row that could be over is measured.
    if (text.length * 3 > ROW_BYTES_MAX) {
      const bytes = new TextEncoder().encode(text).length;
      if (bytes > ROW_BYTES_MAX) {
        throw new PermanentError(`actor row ${key} is ${bytes} bytes of JSON; rows are limited to ${ROW_BYTES_MAX}`);
      }
    }
    this.storage.kv.put(key, text);
  }

  delete(key: string): void {
    this.storage.kv.delete(key);
  }

  list<T>(options: { prefix: string; after?: string; limit: number }): Array<[string, T]> {
    if (options.limit <= 0) return [];
    const query: { prefix: string; startAfter?: string; limit: number } = { prefix: options.prefix, limit: options.limit };
    if (options.after !== undefined) query.startAfter = options.after;
    // Consumed at once: a cursor held across an await has no snapshot.
    return Array.from(this.storage.kv.list(query), ([key, value]) => [key, JSON.parse(value as string) as T]);
  }

  transaction<T>(fn: () => T): T {
    if (this.depth > 0) throw new Error("actor transactions do not nest");
    this.depth += 1;
    let result: T;
    try {
      result = this.storage.transactionSync(fn);
    } catch (error) {
      this.depth -= 1;
      this.committed.length = 0;
      // Newest first, so each undo restores what the change before it saw.
      for (const undo of this.rolled_back.splice(0).reverse()) undo();
      throw error;
    }
    this.depth -= 1;
    this.rolled_back.length = 0;
    for (const then of this.committed.splice(0)) then();
    return result;
  }

  sync(): Promise<void> {
    return this.storage.sync();
  }

  /**
   * Runs `then` once the current transaction commits (at once outside one), and `undo` if it
   * rolls back. The alarm uses it: the object's alarm is not transactional storage.
   */
  afterCommit(then: () => void, undo: () => void): void {
    if (this.depth === 0) return then();
    this.committed.push(then);
    this.rolled_back.push(undo);
  }
}
