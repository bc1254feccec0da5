/** Admin reads across payments, answered from Postgres: the DLQ and ledger balances. */
import { Hono } from "hono";
import { DEFAULT_LIMITS } from "../../core/config.ts";
import { FILTER_BODY, LEDGER_QUERY, ledgerQueryCode, parseDeadLetterFilter, parseInput } from "../admin-input.ts";
import type { AppDependencies } from "../ports.ts";
import { jsonWithBigints } from "../problem.ts";
import { readJsonObject } from "./read-json.ts";

export function acrossPaymentRoutes(deps: AppDependencies) {
  const list_entries_max = deps.list_entries_max ?? DEFAULT_LIMITS.list_entries_max;
  return new Hono()
    .get("/dlq", async (c) => {
      const filter = parseDeadLetterFilter(c.req.query(), list_entries_max);
      const dead_letters = await deps.sink.listDeadLetters(filter);
      return c.json({ dead_letters, count: dead_letters.length });
    })
    .post("/dlq/replay", async (c) => {
      const body = await readJsonObject(c.req.raw, deps.body_bytes_max, deps.json_limits);
      const filter = parseDeadLetterFilter({ ...parseInput(FILTER_BODY, body), status: "pending" }, list_entries_max);
      const letters = await deps.sink.listDeadLetters(filter);
      const results = { replayed: 0, not_found: 0 };
      for (const letter of letters) {
        const outcome = await deps.actors.replay(letter.payment_id, letter.event_id);
        results[outcome === "done" ? "replayed" : "not_found"] += 1;
      }
      return c.json({ status: "replaying", matched: letters.length, ...results }, 202);
    })
    .get("/ledger/accounts", async (c) => {
      const { currency } = parseInput(LEDGER_QUERY, { currency: c.req.query("currency") }, ledgerQueryCode);
      const accounts = await deps.sink.ledgerAccounts(currency);
      const body = {
        currency,
        accounts: accounts.map(({ account, debits_pending, debits_posted, credits_pending, credits_posted }) => ({
          account,
          debits_pending,
          debits_posted,
          credits_pending,
          credits_posted,
        })),
      };
      return c.body(jsonWithBigints(body), 200, { "content-type": "application/json; charset=utf-8" });
    });
}
