/**
 * The Bun host's ingress log: acknowledged messages not yet moved into their actor's inbox,
 * in the shared actor database, in acceptance order. Appending is one sequential insert, so
 * acknowledging a webhook does not pay for the random B-tree pages of the actor's own rows
 * (its dedupe row, inbox row, counters and alarm). Those are written when the message moves
 * into the inbox, and the move is idempotent (the actor recognises an id it has seen), so a
 * crash between adding it to the inbox and removing it from the log only repeats a move that
 * changes nothing. Per actor, the log is the head of the inbox.
 *
 * Which (actor, id) pairs are in the log is kept in memory (rebuilt from the table at start),
 * so recognising a duplicate costs no index.
 */
import type { ActorDatabase } from "./actor-database.ts";
import { FifoMap } from "./fifo-map.ts";

export interface IngressEntry<T> {
  sequence: number;
  actor: string;
  id: string;
  value: T;
}

export class IngressLog<T> {
  private readonly pending = new Map<string, Map<string, number>>();
  /**
   * Sequence of each entry → when it was appended (performance.now), oldest first. Entries
   * found at start are overdue by definition (-Infinity): their real age is not kept.
   */
  private readonly appended_at = new FifoMap<number, number>();
  private next_sequence = 1;
  private count = 0;
  private readonly insert: (...parameters: Array<string | number>) => void;
  private readonly remove_row: (...parameters: Array<string | number>) => void;

  constructor(private readonly database: ActorDatabase) {
    database.db.exec(`CREATE TABLE IF NOT EXISTS ingress_log (
      sequence INTEGER PRIMARY KEY, actor TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL)`);
    this.insert = database.prepareWrite("INSERT INTO ingress_log (sequence, actor, id, value) VALUES (?, ?, ?, ?)");
    this.remove_row = database.prepareWrite("DELETE FROM ingress_log WHERE sequence = ?");
    const rows = database.db.query("SELECT sequence, actor, id FROM ingress_log ORDER BY sequence").all() as Array<{
      sequence: number;
      actor: string;
      id: string;
    }>;
    for (const row of rows) this.remember(row.actor, row.id, row.sequence, Number.NEGATIVE_INFINITY);
    this.next_sequence = (rows[rows.length - 1]?.sequence ?? 0) + 1;
  }

  size(): number {
    return this.count;
  }

  /** How long the oldest entry has waited to move into its actor's inbox, in ms. */
  oldestAgeMs(): number {
    const oldest = this.appended_at.first();
    return oldest === undefined ? 0 : performance.now() - oldest[1];
  }

  has(actor: string, id: string): boolean {
    return this.pending.get(actor)?.has(id) ?? false;
  }

  pendingFor(actor: string): number {
    return this.pending.get(actor)?.size ?? 0;
  }

  append(actor: string, id: string, value: T): void {
    const sequence = this.next_sequence++;
    this.insert(sequence, actor, id, JSON.stringify(value));
    this.remember(actor, id, sequence, performance.now());
  }

  /** The oldest entries, in acceptance order. */
  oldest(limit: number): Array<IngressEntry<T>> {
    const rows = this.database.db
      .query("SELECT sequence, actor, id, value FROM ingress_log ORDER BY sequence LIMIT ?")
      .all(limit) as Array<{ sequence: number; actor: string; id: string; value: string }>;
    return rows.map((row) => ({ ...row, value: JSON.parse(row.value) as T }));
  }

  /** One actor's entries, in acceptance order. */
  entriesFor(actor: string): Array<IngressEntry<T>> {
    const sequences = [...(this.pending.get(actor)?.values() ?? [])].sort((a, b) => a - b);
    const select = this.database.db.query("SELECT sequence, actor, id, value FROM ingress_log WHERE sequence = ?");
    return sequences.map((sequence) => {
      const row = select.get(sequence) as { sequence: number; actor: string; id: string; value: string };
      return { ...row, value: JSON.parse(row.value) as T };
    });
  }

  /** Deletes an entry's row; call inside the transaction that moves it into its actor's inbox. */
  remove(entry: IngressEntry<T>): void {
    this.remove_row(entry.sequence);
  }

  /** Forgets a removed entry in memory; call once its removal cannot be rolled back. */
  forget(entry: IngressEntry<T>): void {
    const ids = this.pending.get(entry.actor);
    if (ids?.delete(entry.id)) this.count -= 1;
    this.appended_at.delete(entry.sequence);
    if (ids?.size === 0) this.pending.delete(entry.actor);
  }

  private remember(actor: string, id: string, sequence: number, appended_at: number): void {
    let ids = this.pending.get(actor);
    if (!ids) {
      ids = new Map();
      this.pending.set(actor, ids);
    }
    if (!ids.has(id)) this.count += 1;
    ids.set(id, sequence);
    this.appended_at.add(sequence, appended_at);
  }
}
