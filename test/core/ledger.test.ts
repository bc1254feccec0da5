/**
 * The ledger of DESIGN.md section 5: transfer kinds in TigerBeetle's terms, account totals,
 * and the invariant that debits equal credits per currency, pending and posted, for every
 * journal the core produces.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decideEvent } from "../../src/core/apply-event.ts";
import {
  pending,
  posted,
  postPending,
  journalId,
  transferId,
  voidPending,
  type Balances,
  type Journal,
  type Transfer,
} from "../../src/core/ledger.ts";
import { initialPaymentState } from "../../src/core/payment.ts";
import { accountTotals, transferEffect } from "../support/ledger-totals.ts";
import {
  accountTotalsByCurrency,
  expectedAccountTotals,
  expectedLegs,
  ledgerSidesByCurrency,
  legsOfTransfers,
  lifecycleEvents,
  plansArbitrary,
  type LedgerLeg,
  type LifecyclePlan,
} from "../support/lifecycles.ts";

const zero: Balances<number> = { debits_pending: 0, debits_posted: 0, credits_pending: 0, credits_posted: 0 };
const totalsOf = (transfers: Transfer[]) => Object.fromEntries(accountTotals(transfers));

describe("accountTotals", () => {
  test("a posted transfer moves the posted totals of both accounts", () => {
    expect(totalsOf([posted("evt_1", "refund", "a", "b", 700)])).toEqual({
      a: { ...zero, debits_posted: 700 },
      b: { ...zero, credits_posted: 700 },
    });
  });

  test("a pending transfer moves the pending totals of both accounts", () => {
    expect(totalsOf([pending("evt_1", "hold", "a", "b", 5000)])).toEqual({
      a: { ...zero, debits_pending: 5000 },
      b: { ...zero, credits_pending: 5000 },
    });
  });

  test("post_pending releases the whole pending amount and posts only the amount settled", () => {
    const hold = pending("evt_1", "hold", "a", "b", 5000);
    const post = postPending("evt_2", { transfer_id: hold.transfer_id, amount: 5000 }, "a", "b", 4000);
    expect(post).toMatchObject({ kind: "post_pending", pending_id: hold.transfer_id, pending_amount: 5000, amount: 4000 });
    expect(totalsOf([hold, post])).toEqual({
      a: { ...zero, debits_posted: 4000 },
      b: { ...zero, credits_posted: 4000 },
    });
  });

  test("void_pending releases the whole pending amount and posts nothing", () => {
    const hold = pending("evt_1", "hold", "a", "b", 5000);
    const release = voidPending("evt_2", { transfer_id: hold.transfer_id, amount: 5000 }, "a", "b");
    expect(release).toMatchObject({ kind: "void_pending", pending_id: hold.transfer_id, pending_amount: 5000, amount: 0 });
    expect(totalsOf([hold, release])).toEqual({ a: { ...zero }, b: { ...zero } });
  });

  test("transfers on several accounts add up per account", () => {
    const transfers = [
      pending("e1", "hold", "psp:clearing", "merchant:m:payable", 100),
      postPending("e2", { transfer_id: "e1:hold", amount: 100 }, "psp:clearing", "merchant:m:payable", 80),
      posted("e2", "fee", "merchant:m:payable", "revenue:fees", 3),
      posted("e3", "refund", "merchant:m:payable", "psp:clearing", 10),
    ];
    expect(totalsOf(transfers)).toEqual({
      "psp:clearing": { debits_pending: 0, debits_posted: 80, credits_pending: 0, credits_posted: 10 },
      "merchant:m:payable": { debits_pending: 0, debits_posted: 13, credits_pending: 0, credits_posted: 80 },
      "revenue:fees": { ...zero, credits_posted: 3 },
    });
  });

  test("transferEffect states each kind's effect on pending and posted totals", () => {
    expect(transferEffect(posted("e", "x", "a", "b", 5))).toEqual({ pending: 0, posted: 5 });
    expect(transferEffect(pending("e", "x", "a", "b", 5))).toEqual({ pending: 5, posted: 0 });
    expect(transferEffect(postPending("e", { transfer_id: "h", amount: 9 }, "a", "b", 5))).toEqual({ pending: -9, posted: 5 });
    expect(transferEffect(voidPending("e", { transfer_id: "h", amount: 9 }, "a", "b"))).toEqual({ pending: -9, posted: 0 });
  });

  test("transfer ids derive from the event id and the leg", () => {
    expect(journalId("pay_1", "evt_9")).toBe("pay_1/evt_9");
    expect(transferId("evt_9", "fee")).toBe("evt_9:fee");
    expect(posted("evt_9", "fee", "a", "b", 1).transfer_id).toBe("evt_9:fee");
  });
});

/** The journals the core posts for a lifecycle applied in order. */
function coreJournals(plan: LifecyclePlan): Journal[] {
  let state = initialPaymentState(plan.payment_id);
  const journals: Journal[] = [];
  for (const e of lifecycleEvents(plan)) {
    const decision = decideEvent(state, e);
    if (decision.kind !== "apply") throw new Error(`${e.id}: ${JSON.stringify(decision)}`);
    state = decision.state;
    if (decision.journal) journals.push(decision.journal);
  }
  return journals;
}

const legsOf = (journals: Journal[]): LedgerLeg[] =>
  journals.flatMap((journal) => journal.transfers.map((transfer) => ({ ...transfer, currency: journal.currency })));

describe("journals the core produces (property)", () => {
  test("per currency, the sum of debits equals the sum of credits, pending and posted, after every journal", () => {
    fc.assert(
      fc.property(plansArbitrary({ min: 1, max: 4 }), (plans) => {
        const journals = plans.flatMap(coreJournals);
        for (let count = 1; count <= journals.length; count += 1) {
          const sides = ledgerSidesByCurrency(accountTotalsByCurrency(legsOf(journals.slice(0, count))));
          for (const side of Object.values(sides)) {
            expect(side.pending[0]).toBe(side.pending[1]);
            expect(side.posted[0]).toBe(side.posted[1]);
          }
        }
        // The same through accountTotals, one currency at a time.
        for (const currency of new Set(journals.map((j) => j.currency))) {
          const totals = [...accountTotals(legsOf(journals.filter((j) => j.currency === currency))).values()];
          const sumOf = (field: keyof Balances<number>) => totals.reduce((total, balance) => total + balance[field], 0);
          expect(sumOf("debits_pending")).toBe(sumOf("credits_pending"));
          expect(sumOf("debits_posted")).toBe(sumOf("credits_posted"));
        }
      }),
      { numRuns: 300 },
    );
  });

  test("account totals equal what the section 5 table implies for the events", () => {
    fc.assert(
      fc.property(plansArbitrary({ min: 1, max: 4 }), (plans) => {
        expect(accountTotalsByCurrency(legsOf(plans.flatMap(coreJournals)))).toEqual(expectedAccountTotals(plans));
      }),
      { numRuns: 300 },
    );
  });

  test("each journal posts exactly the legs of the section 5 table (fee leg only when the fee is positive)", () => {
    fc.assert(
      fc.property(plansArbitrary({ min: 1, max: 1 }), ([plan]) => {
        const journals = coreJournals(plan!);
        expect(legsOfTransfers(journals.flatMap((journal) => journal.transfers))).toEqual(expectedLegs(plan!));
        for (const journal of journals) expect(legsOfTransfers(journal.transfers).every(([id]) => id === journal.journal_id)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test("journals are well formed: one currency, unique transfer ids, positive amounts, each hold settled at most once", () => {
    fc.assert(
      fc.property(plansArbitrary({ min: 1, max: 1 }), ([plan]) => {
        const journals = coreJournals(plan!);
        const transfers = journals.flatMap((journal) => journal.transfers);
        expect(new Set(transfers.map((t) => t.transfer_id)).size).toBe(transfers.length);
        for (const journal of journals) {
          expect(journal.currency).toBe(plan!.currency);
          expect(journal.transfers.length).toBeGreaterThan(0);
          for (const t of journal.transfers) expect(t.transfer_id.startsWith(`${journal.journal_id}:`)).toBe(true);
        }
        const holds = new Map(transfers.filter((t) => t.kind === "pending").map((t) => [t.transfer_id, t]));
        const settled = new Set<string>();
        for (const t of transfers) {
          if (t.kind === "posted" || t.kind === "pending") {
            expect(t.amount).toBeGreaterThan(0);
            expect(t.pending_id).toBeNull();
            continue;
          }
          const hold = holds.get(t.pending_id!);
          expect(hold).toBeDefined();
          expect([t.debit_account, t.credit_account, t.pending_amount]).toEqual([hold!.debit_account, hold!.credit_account, hold!.amount]);
          expect(t.amount).toBeLessThanOrEqual(hold!.amount);
          if (t.kind === "void_pending") expect(t.amount).toBe(0);
          expect(settled.has(t.pending_id!)).toBe(false);
          settled.add(t.pending_id!);
        }
      }),
      { numRuns: 300 },
    );
  });
});
