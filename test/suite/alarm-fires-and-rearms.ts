/** The alarm: fires at or after its time, is re-armed while work is pending, survives restarts. */
import { expect } from "bun:test";
import { drained, eventually, probe, processedIds, type SuiteContext } from "./context.ts";

export function alarmFiresAndRearms({ start, test }: SuiteContext): void {
  test("a message due later is processed by the alarm at or after its time", async () => {
    const host = await start();
    const actor = probe(host, "later");
    // The host's clock: on the in-memory host time passes only when the suite lets it.
    const clock = () => host.now?.() ?? Date.now();
    const sent_at = clock();
    await actor.send({ id: "m1", amount: 1, not_before_ms: 80 });
    const before = await actor.state();
    expect(before.processed).toEqual([]);
    expect(before.alarm).toBe(before.inbox[0]!.due_at);
    const state = await drained(host, "later", 1);
    expect(clock() - sent_at).toBeGreaterThanOrEqual(80);
    expect(processedIds(state)).toEqual(["m1"]);
    expect(state.alarm).toBeNull();
  });

  test("a failing message is retried by the re-armed alarm until it succeeds, leaving nothing of the failed attempts", async () => {
    const host = await start();
    const actor = probe(host, "retry");
    await actor.send({ id: "flaky", amount: 7, fail_times: 3 });
    await actor.send({ id: "after", amount: 1 });
    const state = await drained(host, "retry", 2);
    expect(state.processed).toEqual([
      { position: 1, number: 1, id: "flaky", failed_attempts: 3 },
      { position: 2, number: 2, id: "after", failed_attempts: 0 },
    ]);
    expect(state.failures).toBe(3);
    expect(state.sum).toBe(8);
    expect(state.alarm).toBeNull();
  });

  test("an alarm set before a restart keeps its time and fires after the restart", async () => {
    const host = await start();
    const actor = probe(host, "persisted");
    await actor.send({ id: "m1", amount: 1, not_before_ms: 150 });
    const before = await actor.state();
    expect(before.alarm).not.toBeNull();
    await host.restart();
    const after = await actor.state();
    // A host whose restart outlasts the delay may rightly have fired the alarm already.
    if (after.processed.length === 0) expect(after.alarm).toBe(before.alarm);
    const state = await drained(host, "persisted", 1);
    expect(processedIds(state)).toEqual(["m1"]);
  });

  test("an alarm re-armed for a retry fires after a restart", async () => {
    const host = await start();
    const actor = probe(host, "retry-restart");
    await actor.send({ id: "flaky", amount: 1, fail_times: 2 });
    await eventually(host, "the first attempt fails", () => actor.state(), (state) => state.failures >= 1);
    await host.restart();
    const state = await drained(host, "retry-restart", 1);
    expect(state.processed[0]!.failed_attempts).toBe(2);
    expect(state.sum).toBe(1);
  });
}
