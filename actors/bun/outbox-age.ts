/**
 * The age of the oldest outbox entry across every actor in the actor database: the rows
 * acknowledged work still owes Postgres. A partial index keeps the question cheap (it covers
 * outbox rows only, a handful per actor at most while Postgres keeps up).
 */
import type { Database } from "bun:sqlite";

const OUTBOX_FROM = "outbox:";
const OUTBOX_TO = "outbox;";

export class OutboxAge {
  private readonly oldest_statement;

  constructor(db: Database) {
    db.exec(`CREATE INDEX IF NOT EXISTS actor_rows_outbox ON actor_rows (key) WHERE key >= '${OUTBOX_FROM}' AND key < '${OUTBOX_TO}'`);
    this.oldest_statement = db.query(
      `SELECT min(json_extract(value, '$.created_at')) AS oldest FROM actor_rows INDEXED BY actor_rows_outbox WHERE key >= '${OUTBOX_FROM}' AND key < '${OUTBOX_TO}'`,
    );
  }

  /** Milliseconds since the oldest entry was written, or 0 when the outbox is empty everywhere. */
  oldestAgeMs(now: number): number {
    const row = this.oldest_statement.get() as { oldest: number | null } | null;
    return row?.oldest == null ? 0 : Math.max(0, now - row.oldest);
  }
}
