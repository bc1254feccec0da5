/**
 * The runtime an actor is written against. Two implementations fill it in:
 * `actors/bun` (one process, one bun:sqlite file shared by every actor, group commit) and
 * `actors/cloudflare` (a Durable Object's own SQLite storage and alarm).
 *
 * Guarantees every implementation gives, and the actor relies on:
 * - Storage calls are synchronous. Code that does not `await` between reading and writing
 *   sees no other writer in between (on Durable Objects other requests run during an await,
 *   so an actor never awaits inside a read-modify-write).
 * - `transaction(fn)` applies all of `fn`'s writes or none; if `fn` throws, nothing it wrote
 *   remains. Transactions do not nest.
 * - Writes become durable in the order they were made. `sync()` resolves once every write
 *   made before the call is durable (Bun: the group commit that holds them; Durable Objects:
 *   the output gate). A message is acknowledged, and an outbox row leaves, only after sync().
 * - `list` returns at most `limit` entries in key order: callers page, never assuming one
 *   call returned everything.
 * - The alarm is durable: set before a crash, it fires after the restart. It fires at or
 *   after its time, possibly late, possibly twice; the handler must be idempotent. Setting
 *   it replaces the previous time. While the handler runs, a new time may be set.
 * - `now()` is the only clock the actor reads.
 */
export interface ActorStorage {
  get<T>(key: string): T | undefined;
  put(key: string, value: unknown): void;
  delete(key: string): void;
  list<T>(options: { prefix: string; after?: string; limit: number }): Array<[string, T]>;
  transaction<T>(fn: () => T): T;
  sync(): Promise<void>;
}

export interface ActorAlarm {
  /** The pending wake-up time in epoch milliseconds, or null. */
  get(): number | null;
  set(at_ms: number): void;
  delete(): void;
}

export interface ActorContext {
  /** The actor's key: for the payment actor, the payment id. */
  readonly key: string;
  readonly storage: ActorStorage;
  readonly alarm: ActorAlarm;
  now(): number;
}

/**
 * How a host hands an actor its messages: one of two entry points, each with its guarantee.
 * The payment actor has both, for events (`accept`, `deliver`) and for poison Kafka records
 * bound for its dead letters (`acceptDeadLetter`, `deliverDeadLetter`).
 *
 * - **Acknowledging inside the actor** (Cloudflare: `accept`). The actor admits the message
 *   against its own facts (actors/payment/admission.ts) and, when accepted, stores it in one
 *   transaction; the returned promise resolves once that is durable (`sync()`), so the host
 *   acknowledges only what is durable. A duplicate resolves only once its original is durable.
 * - **Acknowledging in front of the actor** (Bun: `deliver`). The host admitted the message
 *   with the same admission function, against facts read from the actor's storage plus what
 *   it holds itself, and made it durable in a log of its own before acknowledging. `deliver`
 *   is synchronous, never refuses (an acknowledged message is never dropped), answers
 *   `duplicate` for an id it has seen (so a host may deliver again after a crash), and is
 *   durable once the storage syncs; the host may forget the message only after that.
 */

/** What a host calls on an actor it runs. */
export interface HostedActor {
  /**
   * The alarm handler. Idempotent (alarms fire late, early or twice) and never throws: it
   * classifies its own failures and re-arms, with backoff, through `ActorAlarm`.
   */
  alarm(): Promise<void>;
  /**
   * True while none of this instance's work is running. A host that keeps instances in
   * memory may then drop this one: every row it wrote is in storage, and a new instance for
   * the same key behaves identically. Never drop an instance that is not idle: two instances
   * of one key would break per-key serialization.
   */
  idle(): boolean;
}
