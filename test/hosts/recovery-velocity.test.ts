/**
 * Recovery rebuilds the embedded velocity counters in memory (src/hosts/bun/recovery-velocity.ts)
 * instead of observing every recorded evaluation through the store again: the members it
 * writes must be exactly those the store itself keeps inside their windows after the same
 * observations, expiry and first-time-wins included.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import fc from "fast-check";
import type { VelocityObservation } from "../../src/core/fraud/velocity.ts";
import { membersAfter } from "../../src/hosts/bun/recovery-velocity.ts";
import { EmbeddedVelocityStore } from "../../src/velocity/embedded-sqlite.ts";

const COUNTERS = [
  { counter: "payments_per_card_hourly:fp_1", window_ms: 3_000 },
  { counter: "cards_per_ip_hourly:203.0.113.7", window_ms: 5_000 },
  { counter: "amount_per_customer_daily:USD:c_1", window_ms: 20_000 },
];

const evaluationsArbitrary = fc.array(
  fc.record({
    // On a coarse grid, so observations land exactly on window boundaries too.
    after_ms: fc.integer({ min: 0, max: 5 }).map((steps) => steps * 500),
    observations: fc.uniqueArray(
      fc.record({ counter: fc.nat(COUNTERS.length - 1), member: fc.constantFrom("m_a", "m_b", "m_c", "m_d"), weight: fc.integer({ min: 1, max: 9 }) }),
      { maxLength: 3, selector: (observation) => observation.counter },
    ),
  }),
  { maxLength: 40 },
);

const sorted = (rows: Array<{ counter: string; member: string; weight: number; observed_at_ms: number }>) =>
  [...rows].sort((a, b) => (a.counter + "\0" + a.member < b.counter + "\0" + b.member ? -1 : 1));

test("the members rebuilt in memory are the ones the store keeps inside their windows", async () => {
  await fc.assert(
    fc.asyncProperty(evaluationsArbitrary, fc.integer({ min: 0, max: 20 }).map((steps) => steps * 500), async (steps, later_ms) => {
      let at = 1_000_000;
      const evaluations = steps.map((step) => {
        at += step.after_ms;
        const observations: VelocityObservation[] = step.observations.map(({ counter, member, weight }) => ({ ...COUNTERS[counter]!, member, weight }));
        return { decided_at: at, observations };
      });
      const now_ms = at + later_ms;
      const database = new Database(":memory:");
      try {
        const store = new EmbeddedVelocityStore(database);
        for (const { decided_at, observations } of evaluations) if (observations.length > 0) await store.observe(observations, decided_at);
        const kept = (database.query("SELECT counter, member, weight, observed_at_ms FROM velocity_members").all() as Array<{ counter: string; member: string; weight: number; observed_at_ms: number }>)
          .filter((row) => row.observed_at_ms > now_ms - COUNTERS.find((counter) => counter.counter === row.counter)!.window_ms);
        expect(sorted(membersAfter(evaluations, now_ms))).toEqual(sorted(kept));
      } finally {
        database.close();
      }
    }),
    { numRuns: 300 },
  );
});
