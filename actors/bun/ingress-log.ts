/**
 * The Bun host's ingress log: webhooks acknowledged by the HTTP thread and not yet handed to
 * their payment actors on the actor thread, in acceptance order, in a database file of its
 * own (`ingress.sqlite`) so that acknowledging never waits for the actor thread's writes.
 *
 * The HTTP thread appends entries to the open group commit, and writes them as **one row a
 * commit** (`ingress_batches`: the commit's last sequence, its entries as one JSON array):
 * an insert an event, its index and its delete were a quarter of the HTTP thread during a
 * burst. The actor thread keeps how far it delivered in the actors' database (the
 * watermark below, in the commit of the deliveries); the HTTP thread reads it at start, so
 * what it covers is not delivered again, and deletes the rows wholly delivered when it next
 * commits (a row partly delivered stays until the rest is). At every moment an acknowledged
 * event is in this log, or durable in its actor's storage, or both; delivering one again
 * (an unreadable watermark) changes nothing, since an actor recognises an id it has seen.
 *
 * Which (actor, id) pairs are in the log is kept in memory (rebuilt from the table at start),
 * so recognising a duplicate costs no index read.
 */
import { Database, type Statement } from "bun:sqlite";
import { existsSync } from "node:fs";
import type { ActorDatabase } from "./actor-database.ts";
import { hasTable } from "./sqlite-tables.ts";

export interface IngressEntry<T> {
  sequence: number;
  actor: string;
  id: string;
  value: T;
}

const CREATE_TABLE = "CREATE TABLE IF NOT EXISTS ingress_batches (last_sequence INTEGER PRIMARY KEY, entries TEXT NOT NULL)";
const INSERT_BATCH = "INSERT INTO ingress_batches (last_sequence, entries) VALUES (?, ?)";

/** A row's entries: a JSON array of [sequence, actor, id, value]. */
type StoredEntry<T> = [number, string, string, T];

/** One entry of a row, its value already JSON. */
function entryText(sequence: number, actor: string, id: string, value_json: string): string {
  return `[${sequence},${JSON.stringify(actor)},${JSON.stringify(id)},${value_json}]`;
}

/**
 * How far the actor thread has delivered the log, kept in the actors' database in the group
 * commit of the deliveries themselves (written after them, so never ahead of them). At start
 * the HTTP thread reads it: entries up to it are not delivered again, and new sequences
 * continue above it even if the log file was replaced.
 */
const CREATE_DELIVERED_TABLE = "CREATE TABLE IF NOT EXISTS ingress_delivered (id INTEGER PRIMARY KEY CHECK (id = 1), through INTEGER NOT NULL)";

/** The actor thread's side of the watermark: a write that joins its current batch. */
export function deliveredThroughWriter(database: ActorDatabase): (through: number) => void {
  database.db.exec(CREATE_DELIVERED_TABLE);
  const write = database.prepareWrite("INSERT OR REPLACE INTO ingress_delivered (id, through) VALUES (1, ?)");
  return (through) => write(through);
}

/**
 * The watermark as the actors' database holds it, 0 when it holds none or cannot be read
 * (everything in the log is then delivered again, which changes nothing; the actor thread
 * reports an unreadable file when it opens it).
 */
export function readDeliveredThrough(actors_path: string): number {
  if (!existsSync(actors_path)) return 0;
  let db: Database | null = null;
  try {
    db = new Database(actors_path, { create: false });
    // No table yet (a file of an older version) throws like an unreadable file: 0.
    return (db.query("SELECT through FROM ingress_delivered WHERE id = 1").get() as { through: number } | null)?.through ?? 0;
  } catch {
    return 0;
  } finally {
    db?.close();
  }
}

/** How long delivered rows may wait for a commit that appends before one of their own. */
const DELETE_DELAY_MS = 1_000;

/** The HTTP thread's side: appends, answers what is pending, deletes what was delivered. */
export class IngressLog<T> {
  private readonly pending = new Map<string, Map<string, number>>();
  /** Entries in sequence order from `head`, with when they were appended (performance.now). */
  private readonly order: Array<{ sequence: number; actor: string; id: string; appended_at: number }> = [];
  private head = 0;
  private next_sequence = 1;
  /** Entries of the open batch, as JSON text, until `beforeCommit` writes them as one row. */
  private buffered: string[] = [];
  private buffered_through = 0;
  private readonly insert: Statement;
  private readonly delete_through: Statement;
  /** The newest sequence delivered (see deliveredThrough), and whether no commit has deleted its rows yet. */
  private delivered_through = 0;
  private delete_due = false;
  private delete_timer: ReturnType<typeof setTimeout> | null = null;

  /** `delivered_through`: the actors' watermark (readDeliveredThrough); entries up to it are not pending. */
  constructor(
    private readonly database: ActorDatabase,
    delivered_through = 0,
  ) {
    database.db.exec(CREATE_TABLE);
    this.insert = database.db.prepare(INSERT_BATCH);
    this.delete_through = database.db.prepare("DELETE FROM ingress_batches WHERE last_sequence <= ?");
    database.beforeCommit(() => this.writeBuffered());
    moveLegacyEntries(database.db);
    let last = delivered_through;
    // Entries found at start have waited since the start as far as this process can tell:
    // counted as overdue instead, any backlog left by a crash made every webhook get 503
    // until it was delivered, however small it was.
    const started_at = performance.now();
    const rows = database.db.query("SELECT entries FROM ingress_batches WHERE last_sequence > ? ORDER BY last_sequence").all(delivered_through) as Array<{ entries: string }>;
    for (const row of rows) {
      for (const [sequence, actor, id] of JSON.parse(row.entries) as Array<StoredEntry<unknown>>) {
        if (sequence <= delivered_through) continue;
        this.remember(sequence, actor, id, started_at);
        last = Math.max(last, sequence);
      }
    }
    this.next_sequence = last + 1;
    // Rows wholly delivered go with the first commit.
    this.delivered_through = delivered_through;
    this.delete_due = delivered_through > 0;
  }

  size(): number {
    return this.order.length - this.head;
  }

  /** The newest sequence appended (0 when none ever was). */
  lastSequence(): number {
    return this.next_sequence - 1;
  }

  /** How long the oldest entry has waited to be delivered, in ms. */
  oldestAgeMs(): number {
    const oldest = this.order[this.head];
    return oldest === undefined ? 0 : performance.now() - oldest.appended_at;
  }

  has(actor: string, id: string): boolean {
    return this.pending.get(actor)?.has(id) ?? false;
  }

  pendingFor(actor: string): number {
    return this.pending.get(actor)?.size ?? 0;
  }

  append(actor: string, id: string, value: T): number {
    const sequence = this.next_sequence++;
    this.buffered.push(entryText(sequence, actor, id, JSON.stringify(value)));
    this.buffered_through = sequence;
    // After the push: a join that commits (the batch's size limit) writes this entry too.
    this.database.join();
    this.remember(sequence, actor, id, performance.now());
    return sequence;
  }

  /**
   * Forgets an entry whose commit failed (rolled back, never acknowledged): a retry of the
   * same event is then admitted afresh, not answered as a duplicate of nothing.
   */
  forget(sequence: number): void {
    let index = this.order.length - 1;
    while (index >= this.head && this.order[index]!.sequence !== sequence) index -= 1;
    if (index < this.head) return;
    const [entry] = this.order.splice(index, 1);
    const ids = this.pending.get(entry!.actor);
    if (ids?.get(entry!.id) === sequence) ids.delete(entry!.id);
    if (ids?.size === 0) this.pending.delete(entry!.actor);
  }

  /**
   * Forgets every entry up to `sequence`: the actor thread has them durably. Their rows are
   * deleted by every commit from now on (a delete that rolls back is made again by the next),
   * and one is made for them within DELETE_DELAY_MS if none appends: the delete only gives the
   * space back (the actors' watermark says what was delivered), so it needs no commit and
   * fsync of its own, which every delivery report used to cost (one commit in two under
   * sustained load).
   */
  deliveredThrough(sequence: number): number {
    let forgotten = 0;
    while (this.head < this.order.length && this.order[this.head]!.sequence <= sequence) {
      const entry = this.order[this.head++]!;
      const ids = this.pending.get(entry.actor);
      ids?.delete(entry.id);
      if (ids?.size === 0) this.pending.delete(entry.actor);
      forgotten += 1;
    }
    if (forgotten > 0) {
      this.delivered_through = sequence;
      this.delete_due = true;
      this.deleteSoon();
    }
    // Compact now and then so the array does not grow without bound.
    if (this.head > 4_096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    return forgotten;
  }

  private remember(sequence: number, actor: string, id: string, appended_at: number): void {
    let ids = this.pending.get(actor);
    if (!ids) {
      ids = new Map();
      this.pending.set(actor, ids);
    }
    ids.set(id, sequence);
    this.order.push({ sequence, actor, id, appended_at });
  }

  private deleteSoon(): void {
    if (this.delete_timer !== null) return;
    this.delete_timer = setTimeout(() => {
      this.delete_timer = null;
      if (this.delete_due && !this.database.closed) this.database.join();
    }, DELETE_DELAY_MS);
    this.delete_timer.unref?.();
  }

  /** The open batch's delete and entries, as one row (run just before its COMMIT). */
  private writeBuffered(): void {
    if (this.delivered_through > 0) this.delete_through.run(this.delivered_through);
    this.delete_due = false;
    if (this.buffered.length === 0) return;
    const entries = `[${this.buffered.join(",")}]`;
    this.buffered = [];
    this.insert.run(this.buffered_through, entries);
  }
}

/** Entries an older version left in its table of one row an entry, moved into one row. */
function moveLegacyEntries(db: Database): void {
  if (!hasTable(db, "ingress_log")) return;
  db.transaction(() => {
    const rows = db.query("SELECT sequence, actor, id, value FROM ingress_log ORDER BY sequence").all() as RawEntry[];
    if (rows.length > 0) {
      const entries = rows.map((row) => entryText(row.sequence, row.actor, row.id, row.value));
      db.query(INSERT_BATCH).run(rows.at(-1)!.sequence, `[${entries.join(",")}]`);
    }
    db.exec("DROP TABLE ingress_log");
  })();
}

type RawEntry = { sequence: number; actor: string; id: string; value: string };

/**
 * The actor thread's side: reads the log's rows through its own read-only connection, each
 * row once, and keeps their entries until they are delivered (at most the backlog the HTTP
 * thread allows), so that one payment's waiting entries are found without a read.
 */
export class IngressReader<T> {
  private readonly db: Database;
  private readonly rows_after;
  /** Rows read, oldest first, each with its entries. */
  private batches: Array<{ last: number; entries: Array<IngressEntry<T>> }> = [];
  private read_through = 0;

  constructor(path: string) {
    this.db = new Database(path, { strict: true });
    this.db.exec("PRAGMA query_only = 1");
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.rows_after = this.db.prepare("SELECT last_sequence, entries FROM ingress_batches WHERE last_sequence > ? ORDER BY last_sequence");
  }

  /** Entries after `after`, up to `through`, oldest first, at most `limit`; earlier ones are forgotten. */
  entries(after: number, through: number, limit: number): Array<IngressEntry<T>> {
    this.read(through);
    while (this.batches.length > 0 && this.batches[0]!.last <= after) this.batches.shift();
    const found: Array<IngressEntry<T>> = [];
    for (const batch of this.batches) {
      for (const entry of batch.entries) {
        if (entry.sequence <= after) continue;
        if (entry.sequence > through || found.length >= limit) return found;
        found.push(entry);
      }
    }
    return found;
  }

  /** One actor's entries after `after`, up to `through`. */
  entriesFor(actor: string, after: number, through: number): Array<IngressEntry<T>> {
    this.read(through);
    const found: Array<IngressEntry<T>> = [];
    for (const batch of this.batches) {
      for (const entry of batch.entries) {
        if (entry.sequence > through) return found;
        if (entry.sequence > after && entry.actor === actor) found.push(entry);
      }
    }
    return found;
  }

  close(): void {
    this.db.close();
  }

  /** Reads the rows not read yet, if the ones read end before `through`. */
  private read(through: number): void {
    if (this.read_through >= through) return;
    for (const row of this.rows_after.all(this.read_through) as Array<{ last_sequence: number; entries: string }>) {
      const entries = (JSON.parse(row.entries) as Array<StoredEntry<T>>).map(([sequence, actor, id, value]) => ({ sequence, actor, id, value }));
      this.batches.push({ last: row.last_sequence, entries });
      this.read_through = row.last_sequence;
    }
  }
}
