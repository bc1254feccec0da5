/**
 * The Bun host's VelocityStore when no Redis is configured: a table in the host's own
 * `bun:sqlite` database. One observe() call is one transaction, so a crash leaves either
 * all of its observations or none.
 */
import type { Database, Statement } from "bun:sqlite";
import { errorMessage, TransientError } from "../core/errors.ts";
import type { VelocityObservation, VelocityStore } from "../core/fraud/velocity.ts";
import { checkObservations, SweepSchedule, type VelocityRetentionOptions } from "./retention.ts";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS velocity_members (
     counter TEXT NOT NULL,
     member TEXT NOT NULL,
     weight INTEGER NOT NULL,
     observed_at_ms INTEGER NOT NULL,
     PRIMARY KEY (counter, member)
   ) WITHOUT ROWID`,
  // The primary key alone serves every query: a counter's members are clustered by it, so
  // expiry and sums scan one small range. Secondary indexes cost two more random B-tree
  // pages per observation on the hot path (measured: ~90 us a fraud check, most of it
  // pages written at commit); earlier versions created them, so they are dropped.
  `DROP INDEX IF EXISTS velocity_members_counter_observed_at`,
  `DROP INDEX IF EXISTS velocity_members_observed_at`,
];

/** Members the background sweep deletes at most per run, so one run never stalls the host. */
const SWEEP_MEMBERS_MAX = 5_000;

export class EmbeddedVelocityStore implements VelocityStore {
  private readonly delete_expired: Statement;
  private readonly insert_member: Statement;
  private readonly sum_weights: Statement<{ total: number | bigint }>;
  private readonly delete_swept: Statement;
  private readonly sweep: SweepSchedule;
  private readonly observe_all: (observations: VelocityObservation[], now_ms: number) => number[];

  constructor(database: Database, options: VelocityRetentionOptions = {}) {
    for (const statement of SCHEMA) database.run(statement);
    this.delete_expired = database.prepare("DELETE FROM velocity_members WHERE counter = ? AND observed_at_ms <= ?");
    this.insert_member = database.prepare(
      "INSERT OR IGNORE INTO velocity_members (counter, member, weight, observed_at_ms) VALUES (?, ?, ?, ?)",
    );
    this.sum_weights = database.prepare("SELECT COALESCE(SUM(weight), 0) AS total FROM velocity_members WHERE counter = ?");
    // A scan without an index, bounded to SWEEP_MEMBERS_MAX deletions; runs every few minutes.
    this.delete_swept = database.prepare(
      `DELETE FROM velocity_members WHERE (counter, member) IN (
         SELECT counter, member FROM velocity_members WHERE observed_at_ms <= ? LIMIT ${SWEEP_MEMBERS_MAX})`,
    );
    this.sweep = new SweepSchedule(options);
    // IMMEDIATE takes the write lock up front, so a second process on the same file waits
    // on its busy timeout instead of failing halfway; nested in a caller's transaction,
    // bun:sqlite uses a savepoint.
    this.observe_all = database.transaction((observations: VelocityObservation[], now_ms: number) => {
      const totals = observations.map((observation) => this.observeOne(observation, now_ms));
      const cutoff_ms = this.sweep.due(observations, now_ms);
      if (cutoff_ms !== null) this.delete_swept.run(cutoff_ms);
      return totals;
    }).immediate;
  }

  async observe(observations: VelocityObservation[], now_ms: number): Promise<number[]> {
    checkObservations(observations, now_ms);
    if (observations.length === 0) return [];
    try {
      return this.observe_all(observations, now_ms);
    } catch (error) {
      throw new TransientError(`embedded velocity store: ${errorMessage(error)}`, { cause: error });
    }
  }

  /**
   * Writes members as they were observed (counter, member, weight, time), keeping any already
   * present: for rebuilding the store from what Postgres recorded (`npm run recover`),
   * without the per-observation expiry and sums that `observe` pays to answer totals.
   */
  restoreMembers(members: ReadonlyArray<{ counter: string; member: string; weight: number; observed_at_ms: number }>): void {
    for (const { counter, member, weight, observed_at_ms } of members) this.insert_member.run(counter, member, weight, observed_at_ms);
  }

  private observeOne({ counter, member, weight, window_ms }: VelocityObservation, now_ms: number): number {
    this.delete_expired.run(counter, now_ms - window_ms);
    this.insert_member.run(counter, member, weight, now_ms);
    const row = this.sum_weights.get(counter);
    // The host may open its database with safeIntegers, which returns bigints.
    return Number(row?.total ?? 0);
  }
}
