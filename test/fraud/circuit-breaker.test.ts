import { describe, expect, test } from "bun:test";
import { DependencyUnavailableError, TransientError } from "../../src/core/errors.ts";
import type { VelocityObservation, VelocityStore } from "../../src/core/fraud/velocity.ts";
import { CircuitBreakerVelocityStore } from "../../src/velocity/circuit-breaker.ts";

const OBSERVATION: VelocityObservation = { counter: "c", member: "m", weight: 1, window_ms: 60_000 };

/** A store whose next answers the test decides: a total, an outage, or an answered error. */
class ScriptedStore implements VelocityStore {
  calls = 0;
  mode: "up" | "down" | "error" = "up";
  pending: (() => void) | null = null;
  async observe(): Promise<number[]> {
    this.calls += 1;
    if (this.mode === "down") throw new DependencyUnavailableError("redis", "connection refused");
    if (this.mode === "error") throw new TransientError("ERR script error");
    return [1];
  }
}

function setup() {
  let now_ms = 1_000_000;
  const store = new ScriptedStore();
  const breaker = new CircuitBreakerVelocityStore(store, { failures_max: 3, open_ms: 5_000 }, "redis", () => now_ms);
  return { store, breaker, advance: (ms: number) => (now_ms += ms), now: () => now_ms };
}

const observe = (breaker: CircuitBreakerVelocityStore) => breaker.observe([OBSERVATION], 0).catch((error) => error);

describe("circuit breaker in front of the velocity store", () => {
  test("it opens after failures_max outages in a row and then fails fast without calling the store", async () => {
    const { store, breaker, now } = setup();
    store.mode = "down";
    for (let index = 0; index < 3; index += 1) expect(await observe(breaker)).toBeInstanceOf(DependencyUnavailableError);
    expect(breaker.snapshot()).toMatchObject({ state: "open", opened_total: 1 });
    const refused = await observe(breaker);
    expect(refused).toBeInstanceOf(DependencyUnavailableError);
    expect(refused.retry_at_ms).toBe(now() + 5_000);
    expect(store.calls).toBe(3);
    expect(breaker.snapshot().rejected_total).toBe(1);
  });

  test("after open_ms one probe goes through; its success closes the breaker", async () => {
    const { store, breaker, advance } = setup();
    store.mode = "down";
    for (let index = 0; index < 3; index += 1) await observe(breaker);
    advance(5_000);
    expect(breaker.snapshot().state).toBe("half_open");
    store.mode = "up";
    expect(await breaker.observe([OBSERVATION], 0)).toEqual([1]);
    expect(breaker.snapshot()).toMatchObject({ state: "closed", failures: 0, probe_at_ms: null });
  });

  test("a failed probe opens it again for another open_ms", async () => {
    const { store, breaker, advance, now } = setup();
    store.mode = "down";
    for (let index = 0; index < 3; index += 1) await observe(breaker);
    advance(5_000);
    await observe(breaker);
    expect(breaker.snapshot()).toMatchObject({ state: "open", opened_total: 2, probe_at_ms: now() + 5_000 });
    expect(store.calls).toBe(4);
  });

  test("while the probe runs, other calls fail fast", async () => {
    const { store, breaker, advance } = setup();
    store.mode = "down";
    for (let index = 0; index < 3; index += 1) await observe(breaker);
    advance(5_000);
    store.mode = "up";
    const probe = breaker.observe([OBSERVATION], 0);
    expect(await observe(breaker)).toBeInstanceOf(DependencyUnavailableError);
    expect(await probe).toEqual([1]);
    expect(store.calls).toBe(4);
  });

  test("an error the store answered resets the count and never opens the breaker", async () => {
    const { store, breaker } = setup();
    store.mode = "down";
    await observe(breaker);
    await observe(breaker);
    store.mode = "error";
    for (let index = 0; index < 10; index += 1) expect(await observe(breaker)).not.toBeInstanceOf(DependencyUnavailableError);
    expect(breaker.snapshot()).toMatchObject({ state: "closed", failures: 0, opened_total: 0 });
  });

  test("outages that are not in a row do not open it", async () => {
    const { store, breaker } = setup();
    for (let index = 0; index < 5; index += 1) {
      store.mode = "down";
      await observe(breaker);
      await observe(breaker);
      store.mode = "up";
      await observe(breaker);
    }
    expect(breaker.snapshot().state).toBe("closed");
  });
});
