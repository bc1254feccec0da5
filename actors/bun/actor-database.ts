/**
 * The Bun host's actor storage: one bun:sqlite file in WAL mode shared by every actor, with
 * group commit. Writes join one open SQLite transaction; it commits on the next turn of the
 * event loop (or when it grows past a limit), and every caller waiting in `sync()` is
 * answered only once that commit is on disk. Durability costs one fsync per batch, not one
 * per message.
 *
 * Actors' rows and alarms are written at COMMIT, not as they are put: a batch keeps the last
 * value of every key it changed in memory (reads see it), so a row written and deleted in one
 * batch (an inbox message processed before its batch commits) and a row written several
 * times (meta) cost one statement or none, and an actor transaction that throws is undone in
 * memory (measured: 3 SQL transactions and 11 writes an event before).
 *
 * Durability modes (every one answers `sync()` only after the data is durable as stated):
 * - "fsync" (default): commits with synchronous=NORMAL (WAL frames written, no fsync on the
 *   event loop), then fsyncs the -wal file on a thread-pool thread. The event loop keeps
 *   serving while the disk flushes; batches that commit meanwhile share the next fsync. An
 *   acknowledged message survives a power cut, exactly as with FULL.
 * - "full": synchronous=FULL, the fsync inside COMMIT on the event loop (simple, slower).
 * - "process": synchronous=NORMAL, no fsync: survives a process crash, not a power cut (tests).
 */
import { Database, type Statement } from "bun:sqlite";
import { fsync, openSync, closeSync } from "node:fs";
import { hasTable } from "./sqlite-tables.ts";
import { WalSyncer } from "./wal-syncer.ts";

export type Durability = "fsync" | "full" | "process";

/** The WAL file's layout (sqlite.org/fileformat.html): a header, then a header per frame before its page. */
export const WAL_HEADER_BYTES = 32;
export const WAL_FRAME_HEADER_BYTES = 24;

/** A COMMIT that failed (rolled back: the file holds the last good commit) or an fsync that did (the page cache cannot be trusted). */
export type DurabilityFailureStage = "commit" | "fsync";

export interface ActorDatabaseOptions {
  path: string;
  durability?: Durability;
  /**
   * A batch commits on the next turn of the event loop, or this long after the previous
   * commit if that is later (default 0): under load, fewer and larger commits (each costs a
   * BEGIN, a COMMIT, an fsync and their callbacks whatever it holds); when idle, no wait.
   */
  commit_interval_ms?: number;
  /** Writes after which a batch commits without waiting for the next turn. */
  batch_writes_max?: number;
  /** SQLite's page cache of this connection, in MiB (default 64: see the constructor). */
  cache_mib?: number;
  /** How often the checkpoint thread copies the WAL into the database file (default 200 ms). */
  checkpoint_interval_ms?: number;
  /**
   * WAL frames (pages) past which the checkpoint thread makes the WAL start over
   * (checkpoint-worker.ts); default 16,384, 64 MiB of 4 KiB pages.
   */
  wal_frames_max?: number;
  /**
   * Called when a commit or its fsync fails. By then callers' caches (actor state, the
   * ingress log's pending set, stored alarm times) hold writes the disk does not, so the only
   * safe answer is PostgreSQL's: stop, and rebuild from what is on disk. After a failed
   * COMMIT this database never commits again (every later batch rolls back and rejects its
   * waiters), so a caller may close it and open the file anew instead of exiting (the Bun
   * host's actor thread does). The default logs and exits the process; tests may pass their own.
   */
  on_durability_failure?: (error: unknown, stage: DurabilityFailureStage) => void;
  /**
   * A COMMIT that fails (a full disk) only rejects its batch's waiters, after the rollback,
   * instead of calling on_durability_failure: for a writer whose callers forget what they
   * wrote when their sync() rejects (the ingress log). A failed fsync still calls it.
   */
  commit_failure_rejects?: boolean;
}

function exitOnDurabilityFailure(error: unknown): void {
  console.error("actor database: a commit or its fsync failed; exiting so that the restart rebuilds from disk:", error);
  process.exit(70);
}

type Deferred = { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void };

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class ActorDatabase {
  readonly db: Database;
  private batch: Deferred | null = null;
  /** The newest committed batch: it is answered last, once every commit before it is durable. */
  private last_committed: Deferred | null = null;
  private readonly wal_syncer: WalSyncer;
  private wal_descriptor: number | null = null;
  private readonly durability: Durability;
  private batch_writes = 0;
  /** The batch's actors' rows not yet written: actor, then key, then value (null: deleted). */
  private readonly unwritten = new Map<string, Map<string, string | null>>();
  /** The batch's alarms not yet written: the time the file holds, and the new one (null: deleted). */
  private readonly unwritten_alarms = new Map<string, { stored: number | undefined; at_ms: number | null }>();
  /** Inside a transaction: how to undo each buffered write it made, in order. */
  private undo: Array<() => void> | null = null;
  private readonly batch_writes_max: number;
  private readonly statements: {
    get: Statement;
    put: Statement;
    delete: Statement;
    listFrom: Statement;
    listAfter: Statement;
    alarmSet: Statement;
    alarmDelete: Statement;
  };
  commits = 0;
  private before_commit: (() => void) | null = null;
  private closing = false;
  private last_commit_at = Number.NEGATIVE_INFINITY;
  private readonly commit_interval_ms: number;

  private readonly path: string;
  private readonly checkpointer: Worker;
  private readonly on_durability_failure: (error: unknown, stage: DurabilityFailureStage) => void;
  private readonly commit_failure_rejects: boolean;
  /** The failed COMMIT after which nothing commits (see on_durability_failure), or null. */
  private commit_failure: unknown = null;

  constructor(options: ActorDatabaseOptions) {
    this.path = options.path;
    this.on_durability_failure = options.on_durability_failure ?? exitOnDurabilityFailure;
    this.commit_failure_rejects = options.commit_failure_rejects ?? false;
    this.db = new Database(options.path, { create: true, strict: true });
    // An in-memory database has no WAL file to fsync, and nothing survives the process anyway.
    this.durability = options.path === ":memory:" ? "process" : (options.durability ?? "fsync");
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec(`PRAGMA synchronous = ${this.durability === "full" ? "FULL" : "NORMAL"}`);
    this.db.exec("PRAGMA busy_timeout = 5000");
    // Measured on processing 31,580 events in-process: 132 µs an event with SQLite's 2 MiB
    // page cache and savepoint journals in temporary files, 98 µs with these two.
    this.db.exec(`PRAGMA cache_size = -${(options.cache_mib ?? 64) * 1024}`);
    this.db.exec("PRAGMA temp_store = MEMORY");
    // Checkpoints run on their own thread (checkpoint-worker.ts), never inside a COMMIT here.
    this.db.exec("PRAGMA wal_autocheckpoint = 0");
    // When the WAL starts over (checkpoint-worker.ts), a file grown past the bound while a
    // reader held an old snapshot is cut back to it.
    const wal_frames_max = options.wal_frames_max ?? 16_384;
    const page_size = (this.db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
    this.db.exec(`PRAGMA journal_size_limit = ${WAL_HEADER_BYTES + wal_frames_max * (WAL_FRAME_HEADER_BYTES + page_size)}`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS actor_rows (
      actor TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
      PRIMARY KEY (actor, key)) WITHOUT ROWID`);
    // Ordered by time, not by actor: alarms are set for about now, so a batch's alarm rows land
    // on the few pages at the table's end instead of one random page each (measured: 1.8
    // alarm writes an event). Deleting one needs its time, which the scheduler keeps.
    this.db.exec(`CREATE TABLE IF NOT EXISTS actor_alarm_times (
      at_ms INTEGER NOT NULL, actor TEXT NOT NULL, PRIMARY KEY (at_ms, actor)) WITHOUT ROWID`);
    if (hasTable(this.db, "actor_alarms")) {
      // Laid out by an older version, one row per actor.
      this.db.transaction(() => {
        this.db.exec("INSERT OR IGNORE INTO actor_alarm_times (at_ms, actor) SELECT at_ms, actor FROM actor_alarms");
        this.db.exec("DROP TABLE actor_alarms");
      }).immediate();
    }
    this.batch_writes_max = options.batch_writes_max ?? 20_000;
    this.commit_interval_ms = options.commit_interval_ms ?? 0;
    this.wal_syncer = new WalSyncer((callback) => this.fsyncWal(callback), (error) => this.on_durability_failure(error, "fsync"));
    this.checkpointer = new Worker(new URL("./checkpoint-worker.ts", import.meta.url));
    this.checkpointer.postMessage({
      type: "start",
      path: options.path,
      interval_ms: options.checkpoint_interval_ms ?? 200,
      wal_frames_max,
    });
    // Bun workers can be unref()ed so they never keep a stopping process alive.
    (this.checkpointer as unknown as { unref(): void }).unref();
    this.statements = {
      get: this.db.prepare("SELECT value FROM actor_rows WHERE actor = ? AND key = ?"),
      put: this.db.prepare("INSERT OR REPLACE INTO actor_rows (actor, key, value) VALUES (?, ?, ?)"),
      delete: this.db.prepare("DELETE FROM actor_rows WHERE actor = ? AND key = ?"),
      // Index range from the prefix to its successor; substr() keeps the match exact whatever
      // characters follow the prefix (a bound like prefix || U+FFFF would miss astral ones).
      // Two statements, not one with an OR: SQLite seeks only to a plain lower bound, and
      // with an OR it scanned every row of the actor below the upper one.
      listFrom: this.db.prepare(
        `SELECT key, value FROM actor_rows
         WHERE actor = ? AND key >= ? AND key < ? AND substr(key, 1, ?) = ? ORDER BY key LIMIT ?`,
      ),
      listAfter: this.db.prepare(
        `SELECT key, value FROM actor_rows
         WHERE actor = ? AND key > ? AND key < ? AND substr(key, 1, ?) = ? ORDER BY key LIMIT ?`,
      ),
      alarmSet: this.db.prepare("INSERT OR IGNORE INTO actor_alarm_times (at_ms, actor) VALUES (?, ?)"),
      alarmDelete: this.db.prepare("DELETE FROM actor_alarm_times WHERE at_ms = ? AND actor = ?"),
    };
  }

  get(actor: string, key: string): string | undefined {
    const rows = this.unwritten.get(actor);
    if (rows !== undefined && rows.has(key)) return rows.get(key) ?? undefined;
    const row = this.statements.get.get(actor, key) as { value: string } | null;
    return row?.value;
  }

  put(actor: string, key: string, value: string): void {
    this.write();
    this.buffer(actor, key, value);
  }

  delete(actor: string, key: string): void {
    this.write();
    this.buffer(actor, key, null);
  }

  /** Keys that start with `prefix` and sort after `after`, in key order. */
  list(actor: string, prefix: string, after: string | undefined, limit: number): Array<{ key: string; value: string }> {
    const statement = after !== undefined && after >= prefix ? this.statements.listAfter : this.statements.listFrom;
    const lower = statement === this.statements.listAfter ? after! : prefix;
    const unwritten = this.unwritten.get(actor);
    const buffered = unwritten === undefined ? [] : [...unwritten].filter(([key]) => key.startsWith(prefix) && (after === undefined || compareAsSqlite(key, after) > 0));
    // Every buffered key may hide a stored row, so as many more are read to fill the page.
    const stored = statement.all(actor, lower, upperBound(prefix), prefix.length, prefix, limit + buffered.length) as Array<{ key: string; value: string }>;
    if (buffered.length === 0) return stored;
    const changed = new Set(buffered.map(([key]) => key));
    const rows = stored.filter((row) => !changed.has(row.key));
    for (const [key, value] of buffered) if (value !== null) rows.push({ key, value });
    return rows.sort((a, b) => compareAsSqlite(a.key, b.key)).slice(0, limit);
  }

  /**
   * Stores an actor's alarm time in place of `stored`, the one stored before (undefined: none).
   * Alarm rows are not undone with a transaction that throws: they follow the scheduler's
   * timers, which it does not undo either (an alarm that fires for nothing costs one run).
   */
  setAlarm(actor: string, at_ms: number, stored: number | undefined): void {
    this.write();
    this.bufferAlarm(actor, at_ms, stored);
  }

  /** Removes the actor's alarm stored for `stored`. */
  deleteAlarm(actor: string, stored: number): void {
    this.write();
    this.bufferAlarm(actor, null, stored);
  }

  private buffer(actor: string, key: string, value: string | null): void {
    let rows = this.unwritten.get(actor);
    if (rows === undefined) this.unwritten.set(actor, (rows = new Map()));
    if (this.undo !== null) {
      const had = rows.has(key);
      const previous = rows.get(key);
      const changed = rows;
      this.undo.push(had ? () => changed.set(key, previous!) : () => changed.delete(key));
    }
    rows.set(key, value);
  }

  private bufferAlarm(actor: string, at_ms: number | null, stored: number | undefined): void {
    const buffered = this.unwritten_alarms.get(actor);
    if (buffered !== undefined) buffered.at_ms = at_ms;
    else this.unwritten_alarms.set(actor, { stored, at_ms });
  }

  /** Writes the batch's buffered rows and alarms into its open SQL transaction. */
  private writeBuffered(): void {
    try {
      for (const [actor, rows] of this.unwritten) {
        for (const [key, value] of rows) {
          if (value === null) this.statements.delete.run(actor, key);
          else this.statements.put.run(actor, key, value);
        }
      }
      for (const [actor, { stored, at_ms }] of this.unwritten_alarms) {
        if (stored === at_ms) continue;
        if (stored !== undefined) this.statements.alarmDelete.run(stored, actor);
        if (at_ms !== null) this.statements.alarmSet.run(at_ms, actor);
      }
    } finally {
      this.forgetBuffered();
    }
  }

  /**
   * A prepared write that joins the current batch, for tables beside the actors' rows (the
   * ingress log). The statement runs inside the group commit like every actor write.
   */
  prepareWrite(sql: string): (...parameters: Array<string | number>) => void {
    const statement = this.db.prepare(sql);
    return (...parameters) => {
      // Statements run at once, so an actor transaction's undo could not take them back.
      if (this.undo !== null) throw new Error("a prepared write cannot join an actor transaction");
      this.write();
      statement.run(...parameters);
    };
  }

  /**
   * Joins the current batch without a statement of its own, for a writer that buffers its
   * rows and writes them in `beforeCommit` (the ingress log: one row a batch).
   */
  join(): void {
    this.write();
  }

  /** Closed, or closing: nothing new may be written. */
  get closed(): boolean {
    return this.closing;
  }

  /**
   * Runs `hook` inside every batch's transaction just before its COMMIT (one hook). Its
   * statements run as is (not through `put`); if it throws, the batch fails like a failed COMMIT.
   */
  beforeCommit(hook: () => void): void {
    this.before_commit = hook;
  }

  /** Actors holding a row under any of these key prefixes (a full scan: for start-up only). */
  actorsWithRows(prefixes: readonly string[]): string[] {
    if (prefixes.length === 0) return [];
    this.writeBufferedNow();
    const clauses = prefixes.map(() => "substr(key, 1, ?) = ?").join(" OR ");
    const parameters = prefixes.flatMap((prefix) => [prefix.length, prefix]);
    const rows = this.db.query(`SELECT DISTINCT actor FROM actor_rows WHERE ${clauses}`).all(...parameters) as Array<{ actor: string }>;
    return rows.map((row) => row.actor);
  }

  /** Rows of every actor under a key prefix (a range count: for gauges at start). */
  count(prefix: string): number {
    this.writeBufferedNow();
    const row = this.db.query("SELECT count(*) AS n FROM actor_rows WHERE key >= ? AND key < ?").get(prefix, upperBound(prefix)) as { n: number };
    return row.n;
  }

  /** Every stored alarm, earliest first. */
  alarms(): Array<{ actor: string; at_ms: number }> {
    return this.alarmsBetween(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  /** Stored alarms at or after `from_ms` and before `to_ms`, earliest first (a range of the table's key). */
  alarmsBetween(from_ms: number, to_ms: number): Array<{ actor: string; at_ms: number }> {
    this.writeBufferedNow();
    return this.db
      .query("SELECT actor, at_ms FROM actor_alarm_times WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, actor")
      .all(from_ms, to_ms) as Array<{ actor: string; at_ms: number }>;
  }

  /**
   * For the whole-table reads above: the buffered writes go into the open SQL transaction
   * now. A statement that fails there (a full disk) loses the batch like a failed COMMIT.
   */
  private writeBufferedNow(): void {
    if (this.undo !== null) throw new Error("whole-table reads cannot run inside an actor transaction");
    if (this.batch === null) return;
    try {
      this.writeBuffered();
    } catch (error) {
      try {
        this.db.exec("ROLLBACK");
      } catch {}
      this.batchLost(error);
      throw error;
    }
  }

  /** Runs `fn` atomically inside the current batch: if it throws, its writes are undone. */
  transaction<T>(fn: () => T): T {
    if (this.undo !== null) throw new Error("actor transactions do not nest");
    if (this.batch_writes >= this.batch_writes_max) this.commit();
    this.openBatch();
    const undo: Array<() => void> = [];
    this.undo = undo;
    try {
      return fn();
    } catch (error) {
      for (let index = undo.length - 1; index >= 0; index -= 1) undo[index]!();
      throw error;
    } finally {
      this.undo = null;
    }
  }

  /** Resolves once every write made before this call is durable. */
  sync(): Promise<void> {
    // After a failed COMMIT nothing is made durable again, whoever asks and whenever.
    if (this.commit_failure !== null) return Promise.reject(this.commit_failure);
    return (this.batch ?? this.last_committed)?.promise ?? Promise.resolve();
  }

  /** Commits the open batch now (used at shutdown and by the batch limit). */
  commit(): void {
    const batch = this.batch;
    if (!batch || this.undo !== null) return;
    this.batch = null;
    this.batch_writes = 0;
    // Always run, so that what a hook holds belongs to this batch, committed or not.
    let write_error: unknown = null;
    try {
      this.before_commit?.();
      if (this.commit_failure === null) this.writeBuffered();
      else this.forgetBuffered();
    } catch (error) {
      write_error = error;
      this.forgetBuffered();
    }
    if (this.commit_failure !== null) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      batch.reject(this.commit_failure);
      return;
    }
    this.last_commit_at = performance.now();
    try {
      if (write_error !== null) throw write_error;
      this.db.exec("COMMIT");
      this.commits += 1;
    } catch (error) {
      try {
        this.db.exec("ROLLBACK");
      } catch {}
      this.lose(batch, error);
      return;
    }
    if (this.durability !== "fsync") {
      batch.resolve();
      return;
    }
    this.last_committed = batch;
    this.wal_syncer.committed(batch);
  }

  private forgetBuffered(): void {
    this.unwritten.clear();
    this.unwritten_alarms.clear();
  }

  /** The open batch was rolled back by SQLite itself: answered as a failed COMMIT. */
  private batchLost(error: unknown): void {
    const batch = this.batch;
    if (batch === null) return;
    this.batch = null;
    this.batch_writes = 0;
    this.forgetBuffered();
    this.lose(batch, error);
  }

  /** Rejects a batch that will never be durable; the first such failure ends committing. */
  private lose(batch: Deferred, error: unknown): void {
    batch.reject(this.commit_failure ?? error);
    if (this.commit_failure_rejects || this.commit_failure !== null) return;
    this.commit_failure = error;
    this.on_durability_failure(error, "commit");
  }

  /** Fsyncs the WAL on a thread-pool thread (several may run at once; see wal-syncer.ts). */
  private fsyncWal(callback: (error: Error | null) => void): void {
    try {
      this.wal_descriptor ??= openSync(`${this.path}-wal`, "r+");
    } catch (error) {
      callback(error as Error);
      return;
    }
    fsync(this.wal_descriptor, callback);
  }

  /** Waits for every commit to be durable; used at shutdown. */
  async flush(): Promise<void> {
    this.commit();
    await this.last_committed?.promise.catch(() => {});
  }

  /** Commits, stops the checkpoint thread (it holds its own connection), and closes. */
  async close(): Promise<void> {
    this.closing = true;
    this.commit();
    await this.flush();
    // Every fsync call must have returned before its descriptor closes.
    await this.wal_syncer.idle();
    if (this.wal_descriptor !== null) closeSync(this.wal_descriptor);
    this.wal_descriptor = null;
    const stopped = new Promise<void>((resolve) => {
      this.checkpointer.addEventListener("message", () => resolve(), { once: true });
      setTimeout(resolve, 2_000).unref?.();
    });
    this.checkpointer.postMessage({ type: "stop" });
    await stopped;
    this.checkpointer.terminate();
    // Closing the last connection checkpoints the WAL into the database file.
    this.db.close();
  }

  /** Joins the open batch; one at its limit commits first, so this write joins the next. */
  private write(): void {
    // Inside a transaction the batch cannot commit; it does at the first write after it.
    if (this.batch_writes >= this.batch_writes_max && this.undo === null) this.commit();
    this.openBatch();
    this.batch_writes += 1;
  }

  private openBatch(): void {
    // A statement that fails with SQLITE_FULL or SQLITE_IOERR may make SQLite roll back the
    // whole transaction by itself, wherever it ran (a velocity observation inside the batch
    // too). The batch is then lost like a failed COMMIT, and must not go on in autocommit mode.
    if (this.batch !== null && !this.db.inTransaction) this.batchLost(new Error("SQLite rolled back the open batch after a failed statement (a full disk?)"));
    if (this.batch !== null) return;
    this.db.exec("BEGIN IMMEDIATE");
    this.batch = deferred();
    // Callers that never await sync() must not see an unhandled rejection.
    this.batch.promise.catch(() => {});
    const wait_ms = this.last_commit_at + this.commit_interval_ms - performance.now();
    if (wait_ms > 0) setTimeout(() => this.commit(), wait_ms);
    else setImmediate(() => this.commit());
  }
}

/**
 * The smallest string above every string that starts with `prefix`, in SQLite's byte order:
 * the prefix with its last character incremented when that is ASCII (every prefix the actors
 * use ends in ":"); otherwise a bound above any UTF-8 text, and substr() does the rest.
 */
function upperBound(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  if (prefix.length > 0 && last < 0x7f) return prefix.slice(0, -1) + String.fromCharCode(last + 1);
  return prefix + "\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}";
}

/**
 * SQLite's order of TEXT keys (their UTF-8 bytes, that is code points) for JavaScript strings,
 * whose `<` compares UTF-16 units: those differ once a surrogate meets U+E000 to U+FFFF.
 */
function compareAsSqlite(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}
