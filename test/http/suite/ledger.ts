/** GET /ledger/accounts: balances from Postgres; debits equal credits, pending and posted. */
import { expect } from "bun:test";
import { adminJson, expectProblem, pollPayment, request, sendEvents, type HttpSuiteContext, type Json } from "./context.ts";
import { lifecycleOf, sumTotals, type AccountTotals } from "./inspection.ts";

export function ledgerCases(context: HttpSuiteContext): void {
  context.test("after a lifecycle is flushed, ledger accounts in USD balance and hold its postings", async () => {
    const target = context.target();
    const payment_id = context.paymentId("ledger");
    const merchant_id = `m_${payment_id}`;
    await sendEvents(target, lifecycleOf(payment_id, merchant_id));
    await pollPayment(target, payment_id, "version 4 and an empty outbox", (payment) => payment.version === 4 && payment.outbox.pending === 0);

    const body = await adminJson(target, "/ledger/accounts?currency=USD");
    expect(body.currency).toBe("USD");
    const accounts = body.accounts as Array<AccountTotals & { account: string }>;
    for (const account of accounts) {
      expect(account).toEqual({
        account: expect.any(String),
        debits_pending: expect.any(Number),
        debits_posted: expect.any(Number),
        credits_pending: expect.any(Number),
        credits_posted: expect.any(Number),
      });
    }
    const names = accounts.map((account) => account.account);
    expect(names).toContain("psp:clearing");
    expect(names).toContain("revenue:fees");
    expect(new Set(names).size).toBe(names.length);
    expect(accounts.find((account) => account.account === `merchant:${merchant_id}:payable`)).toEqual({
      account: `merchant:${merchant_id}:payable`,
      debits_pending: 0,
      debits_posted: 1120,
      credits_pending: 0,
      credits_posted: 4000,
    });
    const sum = sumTotals(accounts);
    expect(sum.debits_pending).toBe(sum.credits_pending);
    expect(sum.debits_posted).toBe(sum.credits_posted);
    expect(sum.debits_posted).toBeGreaterThanOrEqual(5120);
  });

  context.test("ledger accounts of a currency nothing was posted in are an empty list", async () => {
    const body = await adminJson(context.target(), "/ledger/accounts?currency=ISK");
    expect(body).toEqual({ currency: "ISK", accounts: [] });
  });

  context.test("ledger accounts without a valid currency are refused with 400", async () => {
    const target = context.target();
    const missing = await expectProblem(await request(target, "GET", "/ledger/accounts"), 400, "missing_field");
    expect(missing.message).toContain("currency");
    for (const currency of ["usd", "XYZ", "US", "USDX", ""]) {
      const response = await request(target, "GET", `/ledger/accounts?currency=${encodeURIComponent(currency)}`);
      const error: Json = await expectProblem(response, 400);
      expect({ currency, code: error.code }).toEqual({ currency, code: "invalid_currency" });
    }
  });
}
