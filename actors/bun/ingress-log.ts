/**
 * The Bun host's ingress log: webhooks acknowledged by the HTTP thread and not yet handed to
 * their payment actors on the actor thread, in acceptance order, in a database file of its
 * own (`ingress.sqlite`) so that acknowledging never waits for the actor thread's writes.
 *
 * The HTTP thread appends (one sequential insert, in a group commit) and, once the actor
 * thread reports a prefix of the log delivered and durable in the actors' inboxes, deletes
 * that prefix. Delivery is idempotent (an actor recognises an id it has seen), so a crash
 * between delivering and deleting only repeats a delivery that changes nothing. At every
 * moment an acknowledged event is in this log, or durable in its actor's storage, or both.
 *
 * Which (actor, id) pairs are in the log is kept in memory (rebuilt from the table at start),
 * so recognising a duplicate costs no index read.
 */
import { Database } from "bun:sqlite";
import type { ActorDatabase } from "./actor-database.ts";

export interface IngressEntry<T> {
  sequence: number;
  actor: string;
  id: string;
  value: T;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ingress_log (
  sequence INTEGER PRIMARY KEY, actor TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL)`;
const CREATE_INDEX = "CREATE INDEX IF NOT EXISTS ingress_log_actor ON ingress_log (actor, sequence)";

/** The HTTP thread's side: appends, answers what is pending, deletes what was delivered. */
export class IngressLog<T> {
  private readonly pending = new Map<string, Map<string, number>>();
  /** Entries in sequence order from `head`, with when they were appended (performance.now). */
  private readonly order: Array<{ sequence: number; actor: string; id: string; appended_at: number }> = [];
  private head = 0;
  private next_sequence = 1;
  private readonly insert: (...parameters: Array<string | number>) => void;
  private readonly delete_through: (...parameters: Array<string | number>) => void;

  constructor(database: ActorDatabase) {
    database.db.exec(CREATE_TABLE);
    database.db.exec(CREATE_INDEX);
    this.insert = database.prepareWrite("INSERT INTO ingress_log (sequence, actor, id, value) VALUES (?, ?, ?, ?)");
    this.delete_through = database.prepareWrite("DELETE FROM ingress_log WHERE sequence <= ?");
    const rows = database.db.query("SELECT sequence, actor, id FROM ingress_log ORDER BY sequence").all() as Array<{
      sequence: number;
      actor: string;
      id: string;
    }>;
    // Found at start: overdue by definition, their real age is not kept.
    for (const row of rows) this.remember(row.sequence, row.actor, row.id, Number.NEGATIVE_INFINITY);
    this.next_sequence = (rows.at(-1)?.sequence ?? 0) + 1;
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
    this.insert(sequence, actor, id, JSON.stringify(value));
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

  /** Deletes every entry up to `sequence`: the actor thread has them durably. */
  deliveredThrough(sequence: number): number {
    let forgotten = 0;
    while (this.head < this.order.length && this.order[this.head]!.sequence <= sequence) {
      const entry = this.order[this.head++]!;
      const ids = this.pending.get(entry.actor);
      ids?.delete(entry.id);
      if (ids?.size === 0) this.pending.delete(entry.actor);
      forgotten += 1;
    }
    if (forgotten > 0) this.delete_through(sequence);
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
}

/** The actor thread's side: reads entries through its own read-only connection. */
export class IngressReader<T> {
  private readonly db: Database;
  private readonly after_statement;
  private readonly actor_statement;

  constructor(path: string) {
    this.db = new Database(path, { strict: true });
    this.db.exec("PRAGMA query_only = 1");
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.after_statement = this.db.prepare(
      "SELECT sequence, actor, id, value FROM ingress_log WHERE sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?",
    );
    this.actor_statement = this.db.prepare(
      "SELECT sequence, actor, id, value FROM ingress_log WHERE actor = ? AND sequence > ? AND sequence <= ? ORDER BY sequence",
    );
  }

  /** Entries after `after`, up to `through`, oldest first. */
  entries(after: number, through: number, limit: number): Array<IngressEntry<T>> {
    return this.parse(this.after_statement.all(after, through, limit) as RawEntry[]);
  }

  /** One actor's entries after `after`, up to `through`. */
  entriesFor(actor: string, after: number, through: number): Array<IngressEntry<T>> {
    return this.parse(this.actor_statement.all(actor, after, through) as RawEntry[]);
  }

  close(): void {
    this.db.close();
  }

  private parse(rows: RawEntry[]): Array<IngressEntry<T>> {
    return rows.map((row) => ({ sequence: row.sequence, actor: row.actor, id: row.id, value: JSON.parse(row.value) as T }));
  }
}

type RawEntry = { sequence: number; actor: string; id: string; value: string };
