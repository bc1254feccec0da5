/**
 * A shard of the fraud velocity counters as a Durable Object: the members of every counter
 * whose name hashes to this shard, in a SQL table of the object's own SQLite storage, with the
 * semantics of src/velocity/embedded-sqlite.ts (a member counts once within the window and
 * keeps its first time and weight). Each call runs in one synchronous transaction, so
 * concurrent calls never interleave. The object's alarm sweeps members past the retention
 * (a day, or the longest window observed, a rule's own window included), and the whole shard
 * once it is empty.
 *
 * Shards rather than one object per counter: a burst of new payments would otherwise create
 * several new objects per payment (one per IP, card and customer seen), each a SQLite database
 * of its own, for counters that mostly hold one member.
 */
import { DurableObject } from "cloudflare:workers";
import type { VelocityObservation } from "../../core/fraud/velocity.ts";
import { VELOCITY_RETENTION_MS_DEFAULT } from "../../velocity/retention.ts";
import type { CloudflareEnv } from "./env.ts";

const SWEEP_INTERVAL_MS = 10 * 60_000;

export class VelocityCounterObject extends DurableObject<CloudflareEnv> {
  private readonly sql = this.ctx.storage.sql;
  private created = false;
  private sweep_armed = false;
  /** The longest window stored in `settings`, so the hot path writes it only when it grows. */
  private window_ms_max_stored = 0;

  /** Observes in order and returns each total, as VelocityStore.observe does. */
  async observe(observations: VelocityObservation[], now_ms: number): Promise<number[]> {
    this.create();
    const window_ms_max = Math.max(...observations.map((observation) => observation.window_ms));
    const totals = this.ctx.storage.transactionSync(() => {
      // The sweep must keep whole every window observed, a rule's 7d window included.
      if (observations.length > 0 && window_ms_max > this.window_ms_max_stored) {
        this.sql.exec(
          "INSERT INTO settings (name, value) VALUES ('window_ms_max', ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
          window_ms_max,
        );
      }
      return observations.map(({ counter, member, weight, window_ms }) => {
        this.sql.exec("DELETE FROM members WHERE counter = ? AND observed_at_ms <= ?", counter, now_ms - window_ms);
        this.sql.exec(
          "INSERT OR IGNORE INTO members (counter, member, weight, observed_at_ms) VALUES (?, ?, ?, ?)",
          counter,
          member,
          weight,
          now_ms,
        );
        const [row] = this.sql.exec("SELECT COALESCE(SUM(weight), 0) AS total FROM members WHERE counter = ?", counter).toArray();
        return Number(row?.total ?? 0);
      });
    });
    this.window_ms_max_stored = Math.max(this.window_ms_max_stored, window_ms_max);
    if (!this.sweep_armed) {
      this.sweep_armed = true;
      void this.ctx.storage.getAlarm().then((at: number | null) => (at === null ? this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS) : undefined));
    }
    return totals;
  }

  /** Sweeps expired members; never throws, so the runtime's alarm retries are never spent. */
  async alarm(): Promise<void> {
    try {
      this.create();
      const [setting] = this.sql.exec("SELECT value FROM settings WHERE name = 'window_ms_max'").toArray();
      const retention_ms = Math.max(VELOCITY_RETENTION_MS_DEFAULT, Number(setting?.value ?? 0));
      this.sql.exec("DELETE FROM members WHERE observed_at_ms <= ?", Date.now() - retention_ms);
      const [row] = this.sql.exec("SELECT COUNT(*) AS members FROM members").toArray();
      if (Number(row?.members ?? 0) === 0) {
        await this.ctx.storage.deleteAll();
        this.created = false;
        this.sweep_armed = false;
      } else {
        await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
      }
    } catch (error) {
      console.error("velocity sweep failed; retrying in a minute:", error);
      await this.ctx.storage.setAlarm(Date.now() + 60_000).catch(() => {});
    }
  }

  private create(): void {
    if (this.created) return;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS members (
      counter TEXT NOT NULL, member TEXT NOT NULL, weight INTEGER NOT NULL, observed_at_ms INTEGER NOT NULL,
      PRIMARY KEY (counter, member)) WITHOUT ROWID`);
    this.sql.exec("CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    const [setting] = this.sql.exec("SELECT value FROM settings WHERE name = 'window_ms_max'").toArray();
    this.window_ms_max_stored = Number(setting?.value ?? 0);
    this.sql.exec("CREATE INDEX IF NOT EXISTS members_counter_observed_at ON members (counter, observed_at_ms)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS members_observed_at ON members (observed_at_ms)");
    this.created = true;
  }
}
