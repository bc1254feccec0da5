import { expect } from "bun:test";
import { count } from "drizzle-orm";
import type { TransferRow } from "../../../src/core/postgres-rows.ts";
import type { SinkDatabase } from "../../../src/sink/database.ts";
import { ledgerAccounts } from "../../../src/sink/queries.ts";
import { ledgerTotals } from "../../support/sink-reads.ts";
import { ledger_transfers } from "../../../src/sink/schema.ts";
import { writeSinkRows } from "../../../src/sink/writer.ts";
import { rowsOf, transferRow } from "../sink-rows.ts";
import type { SinkSuiteContext } from "./context.ts";
import { snapshotSink } from "./snapshot.ts";

export function ledgerCases({ sink, test }: SinkSuiteContext): void {
  test("ledger accounts follow pending, post and void", async () => {
    const write = (...transfers: TransferRow[]) => writeSinkRows(sink(), rowsOf({ ledger_transfers: transfers }));
    const hold = { pending_id: "hold_1", pending_amount: 1000 };
    await write(transferRow("hold_1", "pending", 1000));
    expect(await balances(sink())).toEqual({
      "merchant:m_1:payable": [0n, 0n, 1000n, 0n],
      "psp:clearing": [1000n, 0n, 0n, 0n],
    });
    await write(transferRow("capture_1", "post_pending", 600, hold));
    await write(transferRow("fee_1", "posted", 50, { debit_account: "merchant:m_1:payable", credit_account: "revenue:fees" }));
    expect(await balances(sink())).toEqual({
      "merchant:m_1:payable": [0n, 50n, 0n, 600n],
      "psp:clearing": [0n, 600n, 0n, 0n],
      "revenue:fees": [0n, 0n, 0n, 50n],
    });
    await write(transferRow("hold_2", "pending", 300), transferRow("void_2", "void_pending", 0, { pending_id: "hold_2", pending_amount: 300 }));
    expect(await balances(sink())).toEqual({
      "merchant:m_1:payable": [0n, 50n, 0n, 600n],
      "psp:clearing": [0n, 600n, 0n, 0n],
      "revenue:fees": [0n, 0n, 0n, 50n],
    });
    await expectBalanced(sink(), "USD");
  });

  test("accounts balance per currency, whatever the batching", async () => {
    const transfers: TransferRow[] = [];
    const expected_posted = new Map<string, bigint>();
    const currencies = ["USD", "EUR", "JPY"];
    for (let n = 0; n < 90; n += 1) {
      const currency = currencies[n % 3]!;
      const amount = 100 + n * 7;
      const legs = { currency, payment_id: `pay_${n}`, credit_account: `merchant:m_${n % 5}:payable` };
      transfers.push(transferRow(`hold_${n}`, "pending", amount, legs));
      const settle = { ...legs, pending_id: `hold_${n}`, pending_amount: amount };
      let posted = 0;
      if (n % 4 === 0) posted = amount;
      if (n % 4 === 1) posted = Math.floor(amount / 2);
      if (n % 4 <= 1) transfers.push(transferRow(`post_${n}`, "post_pending", posted, settle));
      if (n % 4 === 2) transfers.push(transferRow(`void_${n}`, "void_pending", 0, settle));
      expected_posted.set(currency, (expected_posted.get(currency) ?? 0n) + BigInt(posted));
    }
    for (let start = 0; start < transfers.length; start += 17) {
      await writeSinkRows(sink(), rowsOf({ ledger_transfers: transfers.slice(start, start + 23) }));
    }
    for (const currency of currencies) {
      const totals = await expectBalanced(sink(), currency);
      expect(totals.debits_posted).toBe(expected_posted.get(currency)!);
    }
    expect((await ledgerTotals(sink(), "GBP")).debits_posted).toBe(0n);
  });

  test("5,000 transfers over 1,001 accounts in one batch are counted once", async () => {
    const transfers = Array.from({ length: 5000 }, (_, n) =>
      transferRow(`transfer_${n}`, "posted", n + 1, { credit_account: `merchant:m_${n % 1000}:payable` }),
    );
    await writeSinkRows(sink(), rowsOf({ ledger_transfers: transfers }));
    const before = await snapshotSink(sink());
    await writeSinkRows(sink(), rowsOf({ ledger_transfers: transfers }));
    expect(await snapshotSink(sink())).toEqual(before);
    expect(before.ledger_transfers).toHaveLength(5000);
    expect(before.ledger_accounts).toHaveLength(1001);
    const totals = await expectBalanced(sink(), "USD");
    expect(totals.debits_posted).toBe(BigInt((5000 * 5001) / 2));
  });

  test("13,000 transfers over 13,000 accounts in one batch: more rows than bind parameters allow", async () => {
    const transfers = Array.from({ length: 13_000 }, (_, n) =>
      transferRow(`transfer_${n}`, "posted", 1, { credit_account: `merchant:m_${n}:payable` }),
    );
    await writeSinkRows(sink(), rowsOf({ ledger_transfers: transfers }));
    const [row] = await sink().db.select({ transfers: count() }).from(ledger_transfers);
    expect(row?.transfers).toBe(13_000);
    expect(await ledgerAccounts(sink(), "USD")).toHaveLength(13_001);
    expect((await expectBalanced(sink(), "USD")).debits_posted).toBe(13_000n);
  });
}

/** Account to [debits_pending, debits_posted, credits_pending, credits_posted]. */
async function balances(sink: SinkDatabase): Promise<Record<string, bigint[]>> {
  const accounts = await ledgerAccounts(sink, "USD");
  return Object.fromEntries(
    accounts.map((row) => [row.account, [row.debits_pending, row.debits_posted, row.credits_pending, row.credits_posted]]),
  );
}

async function expectBalanced(sink: SinkDatabase, currency: string) {
  const totals = await ledgerTotals(sink, currency);
  expect(totals.debits_pending).toBe(totals.credits_pending);
  expect(totals.debits_posted).toBe(totals.credits_posted);
  return totals;
}
