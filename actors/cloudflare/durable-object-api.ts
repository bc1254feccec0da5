/**
 * The part of a Durable Object's storage (SQLite backend) that the adapter uses, typed here
 * structurally so that `actors/` does not depend on `@cloudflare/workers-types` globals (which
 * clash with Bun's) and so that the adapter can be exercised by any object of this shape.
 * Semantics, from Cloudflare's SQLite-backed storage API:
 *
 * - `kv.*` and `sql.exec` are synchronous; writes are buffered and coalesced, and the output
 *   gate holds every outgoing message (RPC answer, fetch response) until they are durable.
 * - `transactionSync(fn)` runs `fn` in a transaction; if `fn` throws, it is rolled back.
 * - `sync()` resolves once every write made before it is durable.
 * - `setAlarm`/`deleteAlarm` are storage writes too (coalesced and output-gated); there is
 *   one alarm per object, consumed as its handler starts.
 */
export interface SyncKv {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
  delete(key: string): boolean;
  list(options: { prefix?: string; startAfter?: string; limit?: number }): Iterable<[string, unknown]>;
}

export interface SqlCursor {
  toArray(): Array<Record<string, unknown>>;
}

export interface DurableObjectStorageApi {
  readonly kv: SyncKv;
  readonly sql: { exec(query: string, ...bindings: unknown[]): SqlCursor };
  transactionSync<T>(fn: () => T): T;
  sync(): Promise<void>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduled_time_ms: number): Promise<void>;
  deleteAlarm(): Promise<void>;
}

export interface DurableObjectStateApi {
  readonly storage: DurableObjectStorageApi;
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
  waitUntil(promise: Promise<unknown>): void;
}
