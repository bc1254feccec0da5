/** The base configuration both hosts read, and its one mapping to the actor's limits. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_PAYMENT_ACTOR_LIMITS, paymentActorLimits } from "../../actors/payment/limits.ts";
import * as v from "valibot";
import { BASE_CONFIG_ENTRIES, DEFAULT_LIMITS, integerVariable, limitsFrom, parseEnvironment, type Environment } from "../../src/core/config.ts";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { loadActorConfig } from "../../src/hosts/cloudflare/config.ts";

const data_dir = mkdtempSync(join(tmpdir(), "config-test-"));
afterAll(() => rmSync(data_dir, { recursive: true, force: true }));

/** The base variables alone, as each host reads them inside its own schema. */
function parseLimits(env: Environment) {
  const parsed = parseEnvironment(v.object(BASE_CONFIG_ENTRIES), env);
  return parsed.ok ? limitsFrom(parsed.value) : parsed;
}

const message = (result: { ok: boolean; error?: { message: string } }) => (result.ok ? "accepted" : result.error!.message);

describe("limits", () => {
  test("unset variables give the defaults, and the defaults are the actor's", () => {
    expect(parseLimits({})).toEqual({ ok: true, value: DEFAULT_LIMITS });
    expect(DEFAULT_PAYMENT_ACTOR_LIMITS).toEqual({
      retry: { attempts_max: 3, backoff_ms_initial: 1_000, backoff_ms_max: 60_000 },
      hold_timeout_ms: 15 * 60_000,
      inbox_messages_max: 1_000,
      dead_letters_max: 1_000,
      held_events_max: 100,
      outbox_page_entries_max: 16,
      flush_backoff_ms_initial: 500,
      flush_backoff_ms_max: 30_000,
      inspection_events_max: 1_000,
      finished_retention_ms: 35 * 24 * 3_600_000,
    });
  });

  test("every actor limit is a named variable that reaches the actor", () => {
    const limits = parseLimits({
      RETRY_ATTEMPTS_MAX: "5",
      RETRY_BACKOFF_MS_INITIAL: "200",
      RETRY_BACKOFF_MS_MAX: "4000",
      HOLD_TIMEOUT_MS: "60000",
      INBOX_MESSAGES_MAX: "50",
      DEAD_LETTERS_MAX: "7",
      HELD_EVENTS_MAX: "9",
      OUTBOX_PAGE_ENTRIES_MAX: "4",
      FLUSH_BACKOFF_MS_INITIAL: "100",
      FLUSH_BACKOFF_MS_MAX: "900",
      INSPECTION_EVENTS_MAX: "30",
      FINISHED_RETENTION_DAYS: "40",
    });
    if (!limits.ok) throw new Error(limits.error.message);
    expect(paymentActorLimits(limits.value)).toEqual({
      retry: { attempts_max: 5, backoff_ms_initial: 200, backoff_ms_max: 4_000 },
      hold_timeout_ms: 60_000,
      inbox_messages_max: 50,
      dead_letters_max: 7,
      held_events_max: 9,
      outbox_page_entries_max: 4,
      flush_backoff_ms_initial: 100,
      flush_backoff_ms_max: 900,
      inspection_events_max: 30,
      finished_retention_ms: 40 * 24 * 3_600_000,
    });
  });

  test("a bad value is refused with a message naming the variable", () => {
    expect(message(parseLimits({ INBOX_MESSAGES_MAX: "lots" }))).toBe('INBOX_MESSAGES_MAX must be a whole number, got "lots"');
    expect(message(parseLimits({ DEAD_LETTERS_MAX: "0" }))).toBe("DEAD_LETTERS_MAX must be between 1 and 1000000, got 0");
    expect(message(parseLimits({ LIST_ENTRIES_MAX: " -3 " }))).toBe('LIST_ENTRIES_MAX must be a whole number, got "-3"');
    expect(message(parseLimits({ RETRY_BACKOFF_MS_INITIAL: "5000", RETRY_BACKOFF_MS_MAX: "1000" }))).toBe(
      "RETRY_BACKOFF_MS_INITIAL must be at most RETRY_BACKOFF_MS_MAX (1000), got 5000",
    );
    expect(message(integerVariable({ PORT: "" }, "PORT", 8787, { min: 0, max: 65535 }))).toBe("accepted");
  });

  test("both hosts read the same base variables", () => {
    const env = { WEBHOOK_SECRETS: JSON.stringify({ dev: ["whsec_" + btoa("0123456789abcdef0123")] }), HELD_EVENTS_MAX: "12", DATA_DIR: data_dir };
    const bun = loadBunConfig(env);
    const cloudflare = loadActorConfig(env);
    expect(bun.ok && bun.value.limits.held_events_max).toBe(12);
    expect(cloudflare.ok && cloudflare.value.limits.held_events_max).toBe(12);
    expect(message(loadBunConfig({ ...env, HELD_EVENTS_MAX: "x" }))).toBe(message(loadActorConfig({ ...env, HELD_EVENTS_MAX: "x" })));
  });

  test("sink batch rows are configuration on each host, with each host's default", () => {
    const bun = loadBunConfig({ DATA_DIR: data_dir });
    expect(bun.ok && bun.value.sink_batch_rows_max).toBe(5_000);
    const cloudflare = loadActorConfig({ SINK_BATCH_ROWS_MAX: "300" });
    expect(cloudflare.ok && cloudflare.value.sink.batch_rows_max).toBe(300);
    expect(message(loadActorConfig({ SINK_BATCH_ROWS_MAX: "0" }))).toBe("SINK_BATCH_ROWS_MAX must be between 1 and 100000, got 0");
  });
});
