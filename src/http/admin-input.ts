/**
 * Admin request bodies and queries, validated with valibot. A refusal is a 400 whose code is
 * the schema's (or the one `code` picks for an issue) and whose message names the field.
 */
import * as v from "valibot";
import { isCurrencyCode } from "../core/currency.ts";
import { isRfc3339 } from "../core/event-parse.ts";
import type { DeadLetterFilter, DeadLetterStatus } from "../core/dead-letters.ts";
import type { FraudDecision } from "../core/payment.ts";
import { HttpProblem } from "./problem.ts";

type Issue = v.BaseIssue<unknown>;

/** The schema's output, or a 400 problem for its first issue. */
export function parseInput<const Schema extends v.GenericSchema>(schema: Schema, input: unknown, code: string | ((issue: Issue) => string) = "invalid_field"): v.InferOutput<Schema> {
  const parsed = v.safeParse(schema, input, { abortEarly: true });
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  throw new HttpProblem(400, typeof code === "string" ? code : code(issue), issue.message);
}

const fieldName = (issue: Issue) => String(issue.path?.[0]?.key ?? "value");

const LIMIT_DEFAULT = 100;
const STATUSES: readonly DeadLetterStatus[] = ["pending", "replayed", "discarded"];

/** ?limit, a whole number from 1 to `limit_max`; absent: `fallback`. */
function limitField(limit_max: number, fallback: number, message: (raw: string) => string) {
  return v.optional(
    v.pipe(
      v.string(),
      v.check((raw) => /^\d{1,7}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= limit_max, (issue) => message(String(issue.input))),
      v.transform(Number),
    ),
    String(fallback),
  );
}

/** GET /dlq's query and POST /dlq/replay's body (as strings). */
function deadLetterFilterSchema(list_entries_max: number) {
  return v.object({
    limit: limitField(list_entries_max, LIMIT_DEFAULT, (raw) => `limit must be an integer from 1 to ${list_entries_max}, got ${raw}`),
    // A date alone means its midnight UTC. The year is bounded so the normalised timestamp
    // is one Postgres reads (new Date() can roll a zone offset into year 10000).
    since: v.optional(
      v.pipe(
        v.string(),
        v.rawTransform(({ dataset, addIssue, NEVER }) => {
          const raw = dataset.value;
          const since = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw;
          const normalised = isRfc3339(since) ? new Date(since).toISOString() : "";
          if (!/^\d{4}-/.test(normalised) || normalised < "0001-01-01" || normalised > "9999-12-31") {
            addIssue({ message: `since must be an RFC 3339 timestamp or a date (years 0001 to 9999), like 2026-11-21T10:00:00Z, got ${raw}` });
            return NEVER;
          }
          return normalised;
        }),
      ),
    ),
    reason: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9_]{1,64}$/, (issue) => `reason must be a snake_case reason code, got ${String(issue.input)}`))),
    status: v.optional(v.picklist(STATUSES, `status must be one of ${STATUSES.join(", ")}`)),
  });
}

export function parseDeadLetterFilter(query: Record<string, string>, list_entries_max: number): DeadLetterFilter {
  const { limit, since, reason, status } = parseInput(deadLetterFilterSchema(list_entries_max), query);
  return { limit, ...(since === undefined ? {} : { since }), ...(reason === undefined ? {} : { reason }), ...(status === undefined ? {} : { status }) };
}

/** POST /dlq/replay's body: a filter whose values are strings or numbers. */
export const FILTER_BODY = v.pipe(
  v.record(v.string(), v.union([v.string(), v.number()], (issue) => `${fieldName(issue)} must be a string or a number`)),
  v.transform((body) => Object.fromEntries(Object.entries(body).map(([name, value]) => [name, String(value)]))),
);

export const LEDGER_QUERY = v.object({
  currency: v.pipe(
    v.string("query parameter currency is required, e.g. ?currency=USD"),
    v.check(isCurrencyCode, (issue) => `currency ${String(issue.input)} is not an active ISO 4217 code`),
  ),
});
export const ledgerQueryCode = (issue: Issue) => (issue.type === "string" ? "missing_field" : "invalid_currency");

const DECISIONS: readonly FraudDecision[] = ["allow", "review", "block"];
const NOTE_LENGTH_MAX = 1_000;

export const FRAUD_OVERRIDE_BODY = v.object({
  decision: v.picklist(DECISIONS, `decision must be one of ${DECISIONS.join(", ")}`),
  note: v.optional(
    v.nullable(v.pipe(v.string(`note must be a string of at most ${NOTE_LENGTH_MAX} characters`), v.maxLength(NOTE_LENGTH_MAX, `note must be a string of at most ${NOTE_LENGTH_MAX} characters`))),
    null,
  ),
});

/** GET /webhooks/ignored's query. */
export function ignoredQuerySchema(list_entries_max: number) {
  return v.object({
    limit: v.optional(
      v.pipe(
        v.string(),
        v.transform(Number),
        v.check((limit) => Number.isSafeInteger(limit) && limit >= 1 && limit <= list_entries_max, `limit must be a whole number from 1 to ${list_entries_max}`),
      ),
      "100",
    ),
    provider: v.optional(v.string()),
    type: v.optional(v.string()),
  });
}
