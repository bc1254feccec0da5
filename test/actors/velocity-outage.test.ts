/**
 * Failure handling of the fraud step (DESIGN.md section 7): an outage of the velocity store
 * waits without spending attempts, behind a circuit breaker; FRAUD_FAIL_OPEN decides without
 * velocity and says so; errors the store answered spend attempts as before.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { CircuitBreakerVelocityStore } from "../../src/velocity/circuit-breaker.ts";
import { createActorHarness, type ActorHarness } from "../support/actor-harness.ts";
import { event } from "../support/events.ts";

let harness: ActorHarness;
afterEach(() => harness?.close());

const card = (payment_id: string) =>
  event("payment.created", payment_id, { amount: 1999, customer_id: "c_1", card: { fingerprint: "fp_1", country: "US" }, ip: "203.0.113.7", ip_country: "US" });

describe("velocity store outage", () => {
  test("an outage holds fraud evaluation past the attempts, dead-letters nothing, and resumes when the store returns", async () => {
    harness = createActorHarness({ limits: { retry: { attempts_max: 3, backoff_ms_initial: 1_000, backoff_ms_max: 60_000 } } });
    harness.velocity.outage = true;
    const created = card("pay_out_1");
    const authorized = event("payment.authorized", "pay_out_1", { amount: 1999 });
    await harness.accept(created);
    await harness.accept(authorized);
    for (let round = 0; round < 10; round += 1) {
      await harness.settle("pay_out_1");
      harness.advance(120_000);
    }
    let view = harness.inspect("pay_out_1");
    expect(view.dead_letters).toEqual([]);
    expect(view.retries.map((retry) => [retry.id, retry.attempts, retry.error?.error_class])).toEqual([[created.id, 0, "DependencyUnavailableError"]]);
    expect(view.inbox.map((message) => message.id)).toEqual([authorized.id]);

    harness.velocity.outage = false;
    harness.advance(120_000);
    await harness.settle("pay_out_1");
    view = harness.inspect("pay_out_1");
    expect(view.status).toBe("authorized");
    expect(view.fraud?.decision).toBe("allow");
    expect(view.fraud?.degraded).toBeUndefined();
    expect(view.fraud?.attributes.payments_per_card_hourly).toBe(1);
    expect(harness.sink.rows("fraud_decisions").map((row) => row.degraded)).toEqual([false]);
  });

  test("behind an open breaker the message sleeps until the probe instead of calling the store", async () => {
    let breaker: CircuitBreakerVelocityStore | null = null;
    harness = createActorHarness({
      wrap_velocity: (memory, clock) => (breaker = new CircuitBreakerVelocityStore(memory, { failures_max: 2, open_ms: 30_000 }, "redis", clock)),
    });
    harness.velocity.outage = true;
    await harness.accept(card("pay_out_2"));
    for (let round = 0; round < 3; round += 1) {
      await harness.settle("pay_out_2");
      harness.advance(5_000);
    }
    const snapshot = breaker!.snapshot();
    expect(snapshot.state).toBe("open");
    const [retry] = harness.inspect("pay_out_2").retries;
    expect(Date.parse(retry!.next_attempt_at!)).toBeGreaterThanOrEqual(snapshot.probe_at_ms!);
    expect(retry!.attempts).toBe(0);

    harness.velocity.outage = false;
    harness.advance(60_000);
    await harness.settle("pay_out_2");
    expect(breaker!.snapshot().state).toBe("closed");
    expect(harness.inspect("pay_out_2").status).toBe("created");
  });

  test("errors the store answered still spend attempts and dead-letter with stage fraud", async () => {
    harness = createActorHarness();
    harness.velocity.unavailable = true;
    await harness.accept(card("pay_out_3"));
    for (let round = 0; round < 4; round += 1) {
      await harness.settle("pay_out_3");
      harness.advance(120_000);
    }
    expect(harness.inspect("pay_out_3").dead_letters.map((letter) => [letter.reason, letter.stage, letter.attempts])).toEqual([["retries_exhausted", "fraud", 3]]);
  });
});

describe("FRAUD_FAIL_OPEN", () => {
  test("during an outage the payment is decided at once without velocity, marked degraded with the reason", async () => {
    harness = createActorHarness({ fraud_fail_open: true });
    harness.velocity.outage = true;
    await harness.accept(card("pay_open_1"));
    await harness.settle("pay_open_1");
    const view = harness.inspect("pay_open_1");
    expect(view.status).toBe("created");
    expect(view.retries).toEqual([]);
    expect(view.fraud?.degraded).toBe(true);
    expect(view.fraud?.degraded_reason).toContain("DependencyUnavailableError");
    expect(view.fraud?.attributes.payments_per_card_hourly).toBeNull();
    expect(view.fraud?.attributes.amount).toBe(1999);
    const [row] = harness.sink.rows("fraud_decisions");
    expect(row).toMatchObject({ degraded: true, decision: "allow" });
    expect(row!.degraded_reason).toContain("outage");
  });

  test("rules over the payment itself still decide a degraded payment", async () => {
    harness = createActorHarness({ fraud_fail_open: true });
    harness.velocity.outage = true;
    await harness.accept(event("payment.created", "pay_open_2", { amount: 2_000_000, customer_id: "c_1" }));
    await harness.settle("pay_open_2");
    expect(harness.inspect("pay_open_2").fraud).toMatchObject({ decision: "review", degraded: true });
  });

  test("errors the store answered are retried, then decided degraded instead of dead-lettered", async () => {
    harness = createActorHarness({ fraud_fail_open: true });
    harness.velocity.unavailable = true;
    await harness.accept(card("pay_open_3"));
    await harness.settle("pay_open_3");
    expect(harness.inspect("pay_open_3").retries.map((retry) => retry.attempts)).toEqual([1]);
    for (let round = 0; round < 3; round += 1) {
      harness.advance(120_000);
      await harness.settle("pay_open_3");
    }
    const view = harness.inspect("pay_open_3");
    expect(view.dead_letters).toEqual([]);
    expect(view.fraud).toMatchObject({ decision: "allow", degraded: true });
  });
});
