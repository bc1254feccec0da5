/** Guarantee 3: a crash at any point loses no acknowledged message and applies none twice. */
import { expect } from "bun:test";
import { drained, eventually, probe, processedIds, type SuiteContext } from "./context.ts";
import type { ProbeAck } from "./probe-actor.ts";

function expectOnce(ids: string[]): void {
  expect(ids.length).toBe(new Set(ids).size);
}

export function survivesRestart({ start, test }: SuiteContext): void {
  test("a restart while messages wait in the inbox loses none and applies none twice", async () => {
    const host = await start();
    const actor = probe(host, "waiting");
    const ids = Array.from({ length: 10 }, (_, i) => `m${i}`);
    for (const id of ids) await actor.send({ id, amount: 1, not_before_ms: 40 });
    await host.restart();
    const state = await drained(host, "waiting", ids.length);
    expect(processedIds(state)).toEqual(ids);
    expect(state.sum).toBe(10);
  });

  test("a restart while a message is being processed loses none and applies none twice", async () => {
    const host = await start();
    const actor = probe(host, "working");
    const ids = Array.from({ length: 6 }, (_, i) => `m${i}`);
    for (const id of ids) await actor.send({ id, amount: 1, work_ms: 40 });
    // Restart in the middle of the run loop: some processed, one between its read and its commit.
    await eventually(host, "the first message is processed", () => actor.state(), (state) => state.processed.length >= 1);
    await host.elapse(15);
    await host.restart();
    const state = await drained(host, "working", ids.length);
    expect(processedIds(state)).toEqual(ids);
    expect(state.sum).toBe(ids.length);
    expect(state.stale).toBe(0);
  });

  test("restarts at many points while messages arrive and are processed lose no acknowledged message", async () => {
    const host = await start();
    const actor = probe(host, "storm");
    const acked = new Set<string>();
    const sent: string[] = [];
    const outcomes: string[] = [];
    let round = 0;
    for (const restart_after_ms of [0, 3, 7, 15, 30, 45]) {
      const sends: Array<Promise<void>> = [];
      for (let i = 0; i < 12; i += 1) {
        const id = `r${round}-m${i}`;
        sent.push(id);
        const send = actor.send({ id, amount: 1, work_ms: i % 3 === 0 ? 5 : 0 }).then((ack: ProbeAck) => {
          outcomes.push(ack.outcome);
          acked.add(id);
        });
        sends.push(send.catch(() => {}));
        // The round's first message is answered before anything else happens, so every round
        // has an acknowledged message to lose, however slow the machine; the rest race the restart.
        if (i === 0) await sends[0];
        if (i % 4 === 3) await host.elapse(2);
      }
      await host.elapse(restart_after_ms);
      await host.restart();
      // Calls cut off by the restart may never be answered; do not wait on them.
      await Promise.race([Promise.all(sends), host.elapse(50)]);
      round += 1;
    }
    const state = await eventually(
      host,
      "every acknowledged message is processed",
      () => actor.state(),
      (state) => state.inbox.length === 0 && [...acked].every((id) => processedIds(state).includes(id)),
    );
    const processed = processedIds(state);
    expectOnce(processed);
    for (const id of processed) expect(sent).toContain(id);
    expect(state.sum).toBe(processed.length);
    expect(state.accepted).toBe(processed.length);
    expect(acked.size).toBeGreaterThan(0);
    expect(outcomes.every((outcome) => outcome === "accepted")).toBe(true);
  });
}
