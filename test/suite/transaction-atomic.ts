/** storage.transaction(fn) applies all of fn's writes or none, also across a restart. */
import { expect } from "bun:test";
import { probe, type SuiteContext } from "./context.ts";

export function transactionAtomic({ start, test }: SuiteContext): void {
  test("a transaction that throws leaves none of its writes, though it saw them inside", async () => {
    const host = await start();
    const actor = probe(host, "atomic");
    await actor.put(["t:existing"], "before");
    const answer = await actor.transactions([{ keys: ["t:existing", "t:a", "t:b", "t:c"], value: "during", throws: true }]);
    expect(answer.errors).toEqual(["probe: this transaction throws"]);
    expect(answer.saw_own_writes).toEqual([true]);
    expect(await actor.get(["t:existing", "t:a", "t:b", "t:c"])).toEqual([{ key: "t:existing", value: "before" }, null, null, null]);
    expect(await actor.list("t:", 10)).toEqual(["t:existing"]);
  });

  test("a transaction that throws does not undo the transactions around it, across a restart", async () => {
    const host = await start();
    const actor = probe(host, "neighbours");
    const answer = await actor.transactions([
      { keys: ["t:1a", "t:1b"], value: 1 },
      { keys: ["t:1a", "t:2a", "t:2b"], value: 2, throws: true },
      { keys: ["t:3a"], value: 3 },
    ]);
    expect(answer.errors).toEqual([null, "probe: this transaction throws", null]);
    await host.restart();
    expect(await actor.get(["t:1a", "t:1b", "t:2a", "t:2b", "t:3a"])).toEqual([
      { key: "t:1a", value: 1 },
      { key: "t:1b", value: 1 },
      null,
      null,
      { key: "t:3a", value: 3 },
    ]);
  });

  test("a transaction of many rows is durable whole once synced", async () => {
    const host = await start();
    const actor = probe(host, "large");
    const keys = Array.from({ length: 25_000 }, (_, i) => `big:${String(i).padStart(6, "0")}`);
    const answer = await actor.transactions([{ keys, value: "x" }, { keys: ["big:tail"], value: "y" }]);
    expect(answer.errors).toEqual([null, null]);
    await host.restart();
    const read = await actor.get([keys[0]!, keys[12_345]!, keys[keys.length - 1]!, "big:tail"]);
    expect(read.every((row) => row !== null)).toBe(true);
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const page = await actor.list("big:", 1_000, after);
      count += page.length;
      if (page.length < 1_000) break;
      after = page[page.length - 1];
    }
    expect(count).toBe(keys.length + 1);
  });
}
