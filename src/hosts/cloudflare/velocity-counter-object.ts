/**
 * One fraud velocity counter (e.g. `cards_per_ip:203.0.113.7`) as a Durable Object: its
 * members in a SQL table of the object's own SQLite storage, with the semantics of
 * src/velocity/memory.ts and embedded-sqlite.ts (a member counts once within the window and
 * keeps its first time and weight). Every call is synchronous inside, so concurrent calls
 * never interleave. The object's alarm deletes members past the retention, and the whole
 * counter once it is empty, so counters never observed again do not stay forever.
 */
import { DurableObject } from "cloudflare:workers";
import type { VelocityObservation } from "../../core/fraud/velocity.ts";
import { VELOCITY_RETENTION_MS_DEFAULT } from "../../velocity/retention.ts";
import type { CloudflareEnv } from "./env.ts";

export type CounterObservation = Omit<VelocityObservation, "counter">;

export class VelocityCounterObject extends DurableObject<CloudflareEnv> {
  private readonly sql = this.ctx.storage.sql;
  private created = false;

  /** Observes in order and returns each total, as VelocityStore.observe does for one counter. */
  async observe(observations: CounterObservation[], now_ms: number): Promise<number[]> {
    this.create();
    const totals = this.ctx.storage.transactionSync(() =>
      observations.map(({ member, weight, window_ms }) => {
        this.sql.exec("DELETE FROM members WHERE observed_at_ms <= ?", now_ms - window_ms);
        this.sql.exec("INSERT OR IGNORE INTO members (member, weight, observed_at_ms) VALUES (?, ?, ?)", member, weight, now_ms);
        const [row] = this.sql.exec("SELECT COALESCE(SUM(weight), 0) AS total FROM members").toArray();
        return Number(row?.total ?? 0);
      }),
    );
    const window_ms_max = Math.max(VELOCITY_RETENTION_MS_DEFAULT, ...observations.map((observation) => observation.window_ms));
    void this.ctx.storage.setAlarm(Date.now() + window_ms_max);
    return totals;
  }

  /** Sweeps expired members; never throws, so the runtime's alarm retries are never spent. */
  async alarm(): Promise<void> {
    try {
      this.create();
      this.sql.exec("DELETE FROM members WHERE observed_at_ms <= ?", Date.now() - VELOCITY_RETENTION_MS_DEFAULT);
      const [row] = this.sql.exec("SELECT MIN(observed_at_ms) AS oldest FROM members").toArray();
      const oldest = row?.oldest as number | null | undefined;
      if (oldest === null || oldest === undefined) await this.ctx.storage.deleteAll();
      else await this.ctx.storage.setAlarm(oldest + VELOCITY_RETENTION_MS_DEFAULT);
    } catch (error) {
      console.error("velocity counter sweep failed; retrying in a minute:", error);
      await this.ctx.storage.setAlarm(Date.now() + 60_000).catch(() => {});
    }
  }

  private create(): void {
    if (this.created) return;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS members (
      member TEXT PRIMARY KEY, weight INTEGER NOT NULL, observed_at_ms INTEGER NOT NULL)`);
    this.created = true;
  }
}
