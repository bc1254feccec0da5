/**
 * Configuration shared by both hosts (DESIGN.md section 11), validated with messages that
 * name the variable. One base schema (`BASE_CONFIG_ENTRIES`, on valibot) holds what both hosts
 * read; each host spreads it into its own `v.object` with its own variables (RivetKit's
 * pattern). Pure: the host passes its environment in.
 */
import * as v from "valibot";
import { fail, ok, type Result } from "./result.ts";

export type Environment = Record<string, string | undefined>;

/** Every limit the actor and the edge keep (STYLE.md: "put a limit on everything"). */
export interface Limits {
  retry_attempts_max: number;
  retry_backoff_ms_initial: number;
  retry_backoff_ms_max: number;
  hold_timeout_ms: number;
  body_bytes_max: number;
  inbox_messages_max: number;
  dead_letters_max: number;
  held_events_max: number;
  outbox_page_entries_max: number;
  flush_backoff_ms_initial: number;
  flush_backoff_ms_max: number;
  inspection_events_max: number;
  /** The most entries one admin list answers (GET /dlq, POST /dlq/replay, GET /webhooks/ignored). */
  list_entries_max: number;
  /** Days a finished payment's rows stay in actor storage after its last change (duplicates recognised that long). */
  finished_retention_days: number;
  /** Bun host: 503 `overloaded` while the acknowledged events waiting would take longer than this to process. */
  processing_backlog_ms_max: number;
  /** Objects and arrays open at once in a JSON body or Kafka record (src/ingest/json-limits.ts). */
  json_depth_max: number;
  /** Characters of one JSON string, key or value, as written. */
  json_string_length_max: number;
  /** Keys of one JSON object. */
  json_keys_per_object_max: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Variable name, field, default and bounds of each limit: the one list of them. */
const LIMIT_VARIABLES: Array<[variable: string, field: keyof Limits, fallback: number, min: number, max: number]> = [
  ["RETRY_ATTEMPTS_MAX", "retry_attempts_max", 3, 1, 100],
  ["RETRY_BACKOFF_MS_INITIAL", "retry_backoff_ms_initial", 1_000, 1, DAY_MS],
  ["RETRY_BACKOFF_MS_MAX", "retry_backoff_ms_max", 60_000, 1, DAY_MS],
  ["HOLD_TIMEOUT_MS", "hold_timeout_ms", 15 * MINUTE_MS, 1, 30 * DAY_MS],
  ["BODY_BYTES_MAX", "body_bytes_max", 256 * 1024, 1024, 16 * 1024 * 1024],
  ["INBOX_MESSAGES_MAX", "inbox_messages_max", 1_000, 1, 1_000_000],
  ["DEAD_LETTERS_MAX", "dead_letters_max", 1_000, 1, 1_000_000],
  ["HELD_EVENTS_MAX", "held_events_max", 100, 1, 100_000],
  // An entry holds one message's rows (at most about twice BODY_BYTES_MAX, which is at most
  // 512 KiB on Cloudflare), so a page of 16 stays well under the 32 MiB limit of a Durable
  // Object RPC, even for a payment with a backlog of large events after an outage.
  ["OUTBOX_PAGE_ENTRIES_MAX", "outbox_page_entries_max", 16, 1, 1_000],
  ["FLUSH_BACKOFF_MS_INITIAL", "flush_backoff_ms_initial", 500, 1, DAY_MS],
  ["FLUSH_BACKOFF_MS_MAX", "flush_backoff_ms_max", 30_000, 1, DAY_MS],
  ["INSPECTION_EVENTS_MAX", "inspection_events_max", 1_000, 1, 100_000],
  ["LIST_ENTRIES_MAX", "list_entries_max", 1_000, 1, 100_000],
  // Adyen retries a webhook for 30 days and Stripe for 3: duplicates must be recognised longer.
  ["FINISHED_RETENTION_DAYS", "finished_retention_days", 35, 31, 3_650],
  ["PROCESSING_BACKLOG_MS_MAX", "processing_backlog_ms_max", 15_000, 100, 10 * MINUTE_MS],
  // Provider events nest about 8 deep and hold strings of a few hundred characters. The
  // depth's bound stays far below where JSON.stringify or the sink's serialiser overflow
  // their stack (about 24,000 levels); a shallower body is all the scan needs to keep safe.
  ["JSON_DEPTH_MAX", "json_depth_max", 64, 8, 1_000],
  ["JSON_STRING_LENGTH_MAX", "json_string_length_max", 16_384, 256, 16 * 1024 * 1024],
  ["JSON_KEYS_PER_OBJECT_MAX", "json_keys_per_object_max", 1_000, 16, 100_000],
];

export const DEFAULT_LIMITS: Limits = Object.fromEntries(LIMIT_VARIABLES.map(([, field, fallback]) => [field, fallback])) as unknown as Limits;

/** An optional whole-number variable within bounds; unset or empty means the default. */
export function integerSetting(name: string, fallback: number, bounds: { min: number; max: number }) {
  return v.pipe(
    v.optional(v.string(), ""),
    v.transform((raw) => raw.trim()),
    v.check((raw) => raw === "" || /^\d+$/.test(raw), (issue) => `${name} must be a whole number, got "${String(issue.input)}"`),
    v.transform((raw) => (raw === "" ? fallback : Number(raw))),
    v.check(
      (value) => value >= bounds.min && value <= bounds.max,
      (issue) => `${name} must be between ${bounds.min} and ${bounds.max}, got ${String(issue.input)}`,
    ),
  );
}

/** An optional text variable, trimmed; unset or empty is null. */
export function textSetting() {
  return v.pipe(
    v.optional(v.string(), ""),
    v.transform((raw) => raw.trim() || null),
  );
}

/** An optional variable that is one of `choices`; unset or empty means `fallback`. */
export function choiceSetting<const Choice extends string>(name: string, choices: readonly Choice[], fallback: Choice, described = choices.join(" or ")) {
  return v.pipe(
    textSetting(),
    v.transform((raw) => raw ?? fallback),
    v.check((raw): boolean => (choices as readonly string[]).includes(raw), (issue) => `${name} must be ${described}, got "${String(issue.input)}"`),
    v.transform((raw) => raw as Choice),
  );
}

/** An optional text variable matching `pattern`; unset or empty means `fallback`. */
export function patternSetting(name: string, pattern: RegExp, fallback: string, described: string) {
  return v.pipe(
    textSetting(),
    v.transform((raw) => raw ?? fallback),
    v.check((raw) => pattern.test(raw), (issue) => `${name} must be ${described}, got "${String(issue.input)}"`),
  );
}

/** DATABASE_URL: a postgres:// URL, or unset (null). */
export function databaseUrlSetting(unset_means: string) {
  return v.pipe(
    textSetting(),
    v.check(
      (url) => url === null || /^postgres(ql)?:\/\/\S+$/.test(url),
      `DATABASE_URL must be a postgres:// or postgresql:// URL${unset_means ? ` (${unset_means})` : ""}`,
    ),
  );
}

/** What both hosts read; spread into a host's own `v.object`. */
export const BASE_CONFIG_ENTRIES = Object.fromEntries(
  LIMIT_VARIABLES.map(([variable, , fallback, min, max]) => [variable, integerSetting(variable, fallback, { min, max })]),
) as Record<string, ReturnType<typeof integerSetting>>;

/** Validates `env` against a schema; the first problem's message names its variable. */
export function parseEnvironment<const Schema extends v.GenericSchema<Environment, unknown>>(schema: Schema, env: Environment): Result<v.InferOutput<Schema>> {
  const parsed = v.safeParse(schema, env, { abortEarly: true });
  if (parsed.success) return ok(parsed.output);
  return fail("invalid_config", parsed.issues[0].message);
}

/** Reads one optional integer variable within bounds; unset or empty means the default. */
export function integerVariable(env: Environment, name: string, fallback: number, bounds: { min: number; max: number }): Result<number> {
  const parsed = v.safeParse(integerSetting(name, fallback, bounds), env[name], { abortEarly: true });
  return parsed.success ? ok(parsed.output) : fail("invalid_config", parsed.issues[0].message);
}

/** The limits from the base variables of an environment, checked against each other. */
export function limitsFrom(parsed: object): Result<Limits> {
  const values = parsed as Record<string, number>;
  const limits = Object.fromEntries(LIMIT_VARIABLES.map(([variable, field]) => [field, values[variable]!])) as unknown as Limits;
  for (const [initial, max] of [["RETRY_BACKOFF_MS_INITIAL", "RETRY_BACKOFF_MS_MAX"], ["FLUSH_BACKOFF_MS_INITIAL", "FLUSH_BACKOFF_MS_MAX"]] as const) {
    if (values[initial]! > values[max]!) return fail("invalid_config", `${initial} must be at most ${max} (${values[max]}), got ${values[initial]}`);
  }
  return ok(limits);
}

/** Both Upstash Redis variables or neither. */
export function parseRedisConfig(env: Environment): Result<{ url: string; token: string } | null> {
  const url = env.UPSTASH_REDIS_REST_URL?.trim() ?? "";
  const token = env.UPSTASH_REDIS_REST_TOKEN?.trim() ?? "";
  if (url === "" && token === "") return ok(null);
  if (url === "") return fail("invalid_config", "UPSTASH_REDIS_REST_URL must be set when UPSTASH_REDIS_REST_TOKEN is");
  if (token === "") return fail("invalid_config", "UPSTASH_REDIS_REST_TOKEN must be set when UPSTASH_REDIS_REST_URL is");
  if (!/^https?:\/\/[^\s]+$/.test(url)) return fail("invalid_config", `UPSTASH_REDIS_REST_URL must be an http(s) URL, got "${url}"`);
  return ok({ url, token });
}
