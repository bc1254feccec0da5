import { expect } from "bun:test";
import { asc } from "drizzle-orm";
import { fraud_decisions } from "../../../src/sink/schema.ts";
import { writeSinkRows } from "../../../src/sink/writer.ts";
import { fraudRow, rowsOf } from "../sink-rows.ts";
import type { SinkSuiteContext } from "./context.ts";

export function fraudDecisionCases({ sink, test }: SinkSuiteContext): void {
  test("a fraud decision taken without velocity is stored as degraded, with its reason and the attributes seen", async () => {
    const reason = "DependencyUnavailableError: redis velocity unreachable: connection refused";
    await writeSinkRows(
      sink(),
      rowsOf({
        fraud_decisions: [
          fraudRow("pay_1", 1, { degraded: true, degraded_reason: reason, attributes: { amount: 1999, payments_per_card_hourly: null, payments_per_card_10m: null } }),
          fraudRow("pay_2", 1, { attributes: { amount: 50, payments_per_card_hourly: 3, payments_per_card_10m: 2 } }),
        ],
      }),
    );
    const rows = await sink().db.select().from(fraud_decisions).orderBy(asc(fraud_decisions.decision_id));
    expect(rows.map((row) => [row.payment_id, row.degraded, row.degraded_reason, row.attributes])).toEqual([
      ["pay_1", true, reason, { amount: 1999, payments_per_card_hourly: null, payments_per_card_10m: null }],
      ["pay_2", false, null, { amount: 50, payments_per_card_hourly: 3, payments_per_card_10m: 2 }],
    ]);
  });
}
