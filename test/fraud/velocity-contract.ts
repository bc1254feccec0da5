/**
 * The behaviour every VelocityStore gives (src/core/fraud/velocity.ts), one suite run
 * against each store: memory, embedded SQLite, and later Redis. Counter names carry a
 * fresh prefix per test, so the suite can share a real Redis with other runs.
 */
import { describe, expect } from "bun:test";
import type { VelocityObservation, VelocityStore } from "../../src/core/fraud/velocity.ts";
import { assessFraud } from "../../src/core/fraud/assess-fraud.ts";
import { parseFraudRules } from "../../src/core/fraud/parse-rules.ts";
import type { PaymentEvent } from "../../src/core/event.ts";
import { caseRunner } from "../support/case-runner.ts";

const HOUR_MS = 60 * 60 * 1000;
const T0_MS = Date.UTC(2026, 10, 21, 10, 0, 0);

export interface VelocityContractOptions {
  /** Case names to the reason each cannot hold for this store (such a case is not defined for it). */
  not_applicable?: Record<string, string>;
}

export function runVelocityContract(
  name: string,
  make: () => VelocityStore | Promise<VelocityStore>,
  options: VelocityContractOptions = {},
): void {
  const define = caseRunner(options.not_applicable ?? {});
  const it = (title: string, body: (store: VelocityStore, counter: (name: string) => string) => Promise<void>) =>
    define(title, async () => {
      const prefix = `contract-${crypto.randomUUID()}`;
      await body(await make(), (counter) => `${prefix}:${counter}`);
    });
  const count = (counter: string, member: string, window_ms = HOUR_MS): VelocityObservation => ({
    counter,
    member,
    weight: 1,
    window_ms,
  });

  describe(`${name}: velocity store contract`, () => {
    it("the first observation returns its own weight", async (store, counter) => {
      expect(await store.observe([{ counter: counter("a"), member: "p1", weight: 1999, window_ms: HOUR_MS }], T0_MS)).toEqual([1999]);
    });

    it("observing the same member again does not count twice", async (store, counter) => {
      expect(await store.observe([count(counter("card"), "pay_1")], T0_MS)).toEqual([1]);
      expect(await store.observe([count(counter("card"), "pay_1")], T0_MS + 1000)).toEqual([1]);
      expect(await store.observe([count(counter("card"), "pay_2")], T0_MS + 2000)).toEqual([2]);
    });

    it("a repeated member keeps its first weight", async (store, counter) => {
      const amount = (weight: number): VelocityObservation => ({ counter: counter("amount"), member: "pay_1", weight, window_ms: HOUR_MS });
      expect(await store.observe([amount(500)], T0_MS)).toEqual([500]);
      expect(await store.observe([amount(700)], T0_MS + 1)).toEqual([500]);
    });

    it("distinct members add up their weights", async (store, counter) => {
      const amount = (member: string, weight: number): VelocityObservation => ({ counter: counter("amount"), member, weight, window_ms: HOUR_MS });
      await store.observe([amount("pay_1", 100)], T0_MS);
      await store.observe([amount("pay_2", 250)], T0_MS + 1);
      expect(await store.observe([amount("pay_3", 1)], T0_MS + 2)).toEqual([351]);
    });

    it("counters are independent of each other", async (store, counter) => {
      await store.observe([count(counter("x"), "m1"), count(counter("x"), "m2")], T0_MS);
      expect(await store.observe([count(counter("y"), "m1")], T0_MS)).toEqual([1]);
    });

    it("totals come back in the order of the observations", async (store, counter) => {
      await store.observe([count(counter("two"), "m1"), count(counter("two"), "m2")], T0_MS);
      const totals = await store.observe(
        [count(counter("one"), "m1"), count(counter("two"), "m3"), { counter: counter("sum"), member: "m1", weight: 42, window_ms: HOUR_MS }],
        T0_MS + 1,
      );
      expect(totals).toEqual([1, 3, 42]);
    });

    it("observations of one call on the same counter see the ones before them", async (store, counter) => {
      const totals = await store.observe([count(counter("c"), "m1"), count(counter("c"), "m2"), count(counter("c"), "m1")], T0_MS);
      expect(totals).toEqual([1, 2, 2]);
    });

    it("an empty call returns no totals", async (store) => {
      expect(await store.observe([], T0_MS)).toEqual([]);
    });

    it("a member counts until a full window has passed since its first observation", async (store, counter) => {
      await store.observe([count(counter("w"), "old")], T0_MS);
      expect(await store.observe([count(counter("w"), "old")], T0_MS + HOUR_MS - 1)).toEqual([1]);
      expect(await store.observe([count(counter("w"), "new")], T0_MS + HOUR_MS - 1)).toEqual([2]);
      // `old` keeps its first time, so it expires exactly one window after it.
      expect(await store.observe([count(counter("w"), "newer")], T0_MS + HOUR_MS)).toEqual([2]);
    });

    it("an expired member counts again when observed anew", async (store, counter) => {
      await store.observe([count(counter("w"), "m1")], T0_MS);
      expect(await store.observe([count(counter("w"), "m1")], T0_MS + HOUR_MS)).toEqual([1]);
      expect(await store.observe([count(counter("w"), "m2")], T0_MS + 2 * HOUR_MS - 1)).toEqual([2]);
    });

    it("a rule's own window counts exactly that window, at its edges", async (store, counter) => {
      const parsed = parseFraudRules({
        rules: [{ id: "fast_card", when: { attribute: "payments_per_card", window: "10m", op: ">", value: 2 }, action: "block" }],
      });
      if (!parsed.ok) throw new Error(parsed.error.message);
      const card = counter("card");
      const payment = (id: string): PaymentEvent => ({
        id: `evt_${id}`, type: "payment.created", payment_id: `${card}:${id}`, occurred_at: "2026-11-21T10:00:00Z",
        data: { amount: 100, currency: "USD", card: { fingerprint: card } },
      });
      const ten_minutes_ms = 10 * 60 * 1000;
      const seen = async (id: string, at_ms: number) => {
        const outcome = await assessFraud(parsed.value, store, payment(id), at_ms);
        return [outcome.attributes.payments_per_card_10m, outcome.decision, outcome.attributes.payments_per_card_hourly];
      };
      expect(await seen("p1", T0_MS)).toEqual([1, "allow", 1]);
      expect(await seen("p2", T0_MS + 1)).toEqual([2, "allow", 2]);
      // Just inside p1's window: three payments in ten minutes.
      expect(await seen("p3", T0_MS + ten_minutes_ms - 1)).toEqual([3, "block", 3]);
      // A retried evaluation of p3 counts once.
      expect(await seen("p3", T0_MS + ten_minutes_ms - 1)).toEqual([3, "block", 3]);
      // Exactly ten minutes after p1 it has left the window; the hourly counter still has it.
      expect(await seen("p4", T0_MS + ten_minutes_ms)).toEqual([3, "block", 4]);
      // p2 leaves too; p3, p4 and p5 are in the window.
      expect(await seen("p5", T0_MS + ten_minutes_ms + 2)).toEqual([3, "block", 5]);
      // Twenty minutes after p1 only p5 is left, with p6.
      expect(await seen("p6", T0_MS + 2 * ten_minutes_ms)).toEqual([2, "allow", 6]);
    });

    it("each counter expires by its own window", async (store, counter) => {
      const day_ms = 24 * HOUR_MS;
      await store.observe([count(counter("hourly"), "m1"), count(counter("daily"), "m1", day_ms)], T0_MS);
      const later_ms = T0_MS + 2 * HOUR_MS;
      const totals = await store.observe([count(counter("hourly"), "m2"), count(counter("daily"), "m2", day_ms)], later_ms);
      expect(totals).toEqual([1, 2]);
    });
  });
}
