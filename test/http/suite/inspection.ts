/** GET /payments/:id after a signed lifecycle: the actor's whole state (DESIGN.md section 9). */
import { expect } from "bun:test";
import { lifecycle } from "../../support/events.ts";
import { pollPayment, sendEvents, type HttpSuiteContext, type Json } from "./context.ts";

export interface AccountTotals {
  debits_pending: number;
  debits_posted: number;
  credits_pending: number;
  credits_posted: number;
}

interface TransferView {
  debit_account: string;
  credit_account: string;
  amount: number;
  kind: "posted" | "pending" | "post_pending" | "void_pending";
  pending_amount: number;
}

/** Per-account totals of transfers, in TigerBeetle's terms (a post or void releases the whole hold). */
export function foldTransfers(transfers: readonly TransferView[]): Map<string, AccountTotals> {
  const totals = new Map<string, AccountTotals>();
  const of = (account: string) => {
    let entry = totals.get(account);
    if (!entry) totals.set(account, (entry = { debits_pending: 0, debits_posted: 0, credits_pending: 0, credits_posted: 0 }));
    return entry;
  };
  for (const transfer of transfers) {
    const pending = transfer.kind === "pending" ? transfer.amount : transfer.kind === "posted" ? 0 : -transfer.pending_amount;
    const posted = transfer.kind === "posted" || transfer.kind === "post_pending" ? transfer.amount : 0;
    const debit = of(transfer.debit_account);
    debit.debits_pending += pending;
    debit.debits_posted += posted;
    const credit = of(transfer.credit_account);
    credit.credits_pending += pending;
    credit.credits_posted += posted;
  }
  return totals;
}

export function sumTotals(accounts: Iterable<AccountTotals>): AccountTotals {
  const sum = { debits_pending: 0, debits_posted: 0, credits_pending: 0, credits_posted: 0 };
  for (const account of accounts) {
    sum.debits_pending += account.debits_pending;
    sum.debits_posted += account.debits_posted;
    sum.credits_pending += account.credits_pending;
    sum.credits_posted += account.credits_posted;
  }
  return sum;
}

/** Created 5000, authorized 5000, captured 4000 with fee 120, refunded 1000, for its own merchant. */
export function lifecycleOf(payment_id: string, merchant_id: string) {
  const events = lifecycle(payment_id);
  for (const event of events) event.data.merchant_id = merchant_id;
  return events;
}

export function inspectionCases(context: HttpSuiteContext): void {
  context.test("after a signed lifecycle, GET /payments/:id shows the whole payment", async () => {
    const target = context.target();
    const payment_id = context.paymentId("lifecycle");
    const merchant_id = `m_${payment_id}`;
    const events = lifecycleOf(payment_id, merchant_id);
    await sendEvents(target, events);

    const view = await pollPayment(target, payment_id, "version 4", (payment) => payment.version === 4);
    expect(view.payment_id).toBe(payment_id);
    expect(view.status).toBe("partially_refunded");
    expect(view.currency).toBe("USD");
    expect(view.amounts).toMatchObject({ authorized: 5000, captured: 4000, refunded: 1000, disputed: 0 });
    expect(view.version).toBe(4);
    expect(view.events.map((applied: Json) => applied.id)).toEqual(events.map((event) => event.id));
    expect(view.events.map((applied: Json) => applied.type)).toEqual(events.map((event) => event.type));
    for (const applied of view.events as Json[]) {
      expect(applied.sequence).toBeNull();
      expect(Number.isNaN(Date.parse(applied.applied_at))).toBe(false);
    }
    expect(view.held).toEqual([]);
    expect(view.retries).toEqual([]);
    expect(view.dead_letters).toEqual([]);

    // One journal per money-moving event, each balanced, together leaving the expected totals.
    const journals = view.journals as Json[];
    expect(journals.map((journal) => journal.event_id)).toEqual([events[1]!.id, events[2]!.id, events[3]!.id]);
    expect(journals.map((journal) => journal.transfers.map((transfer: Json) => transfer.kind))).toEqual([
      ["pending"],
      ["post_pending", "posted"],
      ["posted"],
    ]);
    for (const journal of journals) {
      expect(journal.currency).toBe("USD");
      for (const transfer of journal.transfers as TransferView[]) {
        expect(Number.isSafeInteger(transfer.amount) && transfer.amount >= 0).toBe(true);
        expect(transfer.debit_account).not.toBe(transfer.credit_account);
      }
      const sum = sumTotals(foldTransfers(journal.transfers).values());
      expect(sum.debits_pending).toBe(sum.credits_pending);
      expect(sum.debits_posted).toBe(sum.credits_posted);
    }
    const totals = foldTransfers(journals.flatMap((journal) => journal.transfers));
    expect(Object.fromEntries(totals)).toEqual({
      "psp:clearing": { debits_pending: 0, debits_posted: 4000, credits_pending: 0, credits_posted: 1000 },
      [`merchant:${merchant_id}:payable`]: { debits_pending: 0, debits_posted: 1120, credits_pending: 0, credits_posted: 4000 },
      "revenue:fees": { debits_pending: 0, debits_posted: 0, credits_pending: 0, credits_posted: 120 },
    });

    expect(view.fraud).toMatchObject({ decision: "allow", origin: "rules", score: expect.any(Number), rules_fired: [] });
    // Checked by value: bun 1.4's toMatchObject writes asymmetric matchers into the object it checks.
    const { pending, oldest_age_ms } = view.outbox;
    expect(Number.isSafeInteger(pending) && pending >= 0).toBe(true);
    expect(Number.isSafeInteger(oldest_age_ms) && oldest_age_ms >= 0).toBe(true);
  });

  context.test("the outbox of a payment drains to Postgres and then reports nothing pending", async () => {
    const target = context.target();
    const payment_id = context.paymentId("outbox");
    await sendEvents(target, lifecycleOf(payment_id, `m_${payment_id}`));
    const view = await pollPayment(target, payment_id, "version 4 and an empty outbox", (payment) => payment.version === 4 && payment.outbox.pending === 0);
    expect(view.outbox).toMatchObject({ pending: 0, oldest_age_ms: 0 });
  });
}
