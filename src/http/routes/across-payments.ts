/** Admin reads across payments, answered from Postgres: the DLQ and ledger balances. */
import { Hono } from "hono";
import { isCurrencyCode } from "../../core/currency.ts";
import { isRfc3339 } from "../../core/event-parse.ts";
import type { DeadLetterFilter, DeadLetterStatus } from "../../core/dead-letters.ts";
import type { AppDependencies } from "../ports.ts";
import { HttpProblem, jsonWithBigints } from "../problem.ts";
import { readJsonObject } from "./read-json.ts";

const LIMIT_DEFAULT = 100;
const LIMIT_MAX = 1_000;
const STATUSES: readonly DeadLetterStatus[] = ["pending", "replayed", "discarded"];

export function acrossPaymentRoutes(deps: AppDependencies) {
  return new Hono()
    .get("/dlq", async (c) => {
      const filter = parseFilter(c.req.query());
      const dead_letters = await deps.sink.listDeadLetters(filter);
      return c.json({ dead_letters, count: dead_letters.length });
    })
    .post("/dlq/replay", async (c) => {
      const body = await readJsonObject(c.req.raw, deps.body_bytes_max);
      const filter = parseFilter({ ...stringValues(body), status: "pending" });
      const letters = await deps.sink.listDeadLetters(filter);
      const results = { replayed: 0, not_found: 0 };
      for (const letter of letters) {
        const outcome = await deps.actors.replay(letter.payment_id, letter.event_id);
        results[outcome === "done" ? "replayed" : "not_found"] += 1;
      }
      return c.json({ status: "replaying", matched: letters.length, ...results }, 202);
    })
    .get("/ledger/accounts", async (c) => {
      const currency = c.req.query("currency");
      if (currency === undefined) throw new HttpProblem(400, "missing_field", "query parameter currency is required, e.g. ?currency=USD");
      if (!isCurrencyCode(currency)) throw new HttpProblem(400, "invalid_currency", `currency ${currency} is not an active ISO 4217 code`);
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

function stringValues(body: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === "string" || typeof value === "number") values[name] = String(value);
    else throw new HttpProblem(400, "invalid_field", `${name} must be a string or a number`);
  }
  return values;
}

function parseFilter(query: Record<string, string>): DeadLetterFilter {
  const filter: DeadLetterFilter = { limit: LIMIT_DEFAULT };
  if (query.limit !== undefined) {
    const limit = /^\d{1,7}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIMIT_MAX) {
      throw new HttpProblem(400, "invalid_field", `limit must be an integer from 1 to ${LIMIT_MAX}, got ${query.limit}`);
    }
    filter.limit = limit;
  }
  if (query.since !== undefined) {
    // A date alone means its midnight UTC. The year is bounded so the normalised timestamp
    // is one Postgres reads (new Date() can roll a zone offset into year 10000).
    const since = /^\d{4}-\d{2}-\d{2}$/.test(query.since) ? `${query.since}T00:00:00Z` : query.since;
    const normalised = isRfc3339(since) ? new Date(since).toISOString() : "";
    if (!/^\d{4}-/.test(normalised) || normalised < "0001-01-01" || normalised > "9999-12-31") {
      throw new HttpProblem(400, "invalid_field", `since must be an RFC 3339 timestamp or a date (years 0001 to 9999), like 2026-11-21T10:00:00Z, got ${query.since}`);
    }
    filter.since = normalised;
  }
  if (query.reason !== undefined) {
    if (!/^[a-z0-9_]{1,64}$/.test(query.reason)) throw new HttpProblem(400, "invalid_field", `reason must be a snake_case reason code, got ${query.reason}`);
    filter.reason = query.reason;
  }
  if (query.status !== undefined) {
    if (!STATUSES.includes(query.status as DeadLetterStatus)) {
      throw new HttpProblem(400, "invalid_field", `status must be one of ${STATUSES.join(", ")}`);
    }
    filter.status = query.status as DeadLetterStatus;
  }
  return filter;
}
