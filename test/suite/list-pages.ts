/** storage.list returns at most `limit` rows in key order; callers read every row in pages. */
import { expect } from "bun:test";
import { probe, type SuiteContext } from "./context.ts";
import type { TestHost } from "./host.ts";

async function readAll(host: TestHost, key: string, prefix: string, limit: number): Promise<{ keys: string[]; pages: number[] }> {
  const keys: string[] = [];
  const pages: number[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await probe(host, key).list(prefix, limit, after);
    pages.push(page.length);
    keys.push(...page);
    if (page.length < limit) return { keys, pages };
    after = page[page.length - 1];
  }
}

export function listPages({ start, test }: SuiteContext): void {
  test("list returns at most limit rows, and paging with after reads every row once, in key order", async () => {
    const host = await start();
    const actor = probe(host, "pages");
    const keys = Array.from({ length: 250 }, (_, i) => `row:${String(i).padStart(4, "0")}`);
    // Written out of order, in several transactions.
    for (let i = 0; i < 5; i += 1) await actor.put(keys.filter((_, k) => k % 5 === 4 - i));
    const { keys: read, pages } = await readAll(host, "pages", "row:", 64);
    expect(pages).toEqual([64, 64, 64, 58]);
    expect(read).toEqual(keys);
    expect(await actor.list("row:", 3, "row:0247")).toEqual(["row:0248", "row:0249"]);
    expect(await actor.list("row:", 3, "row:0249")).toEqual([]);
  });

  test("list returns only keys under its prefix", async () => {
    const host = await start();
    const actor = probe(host, "prefix");
    await actor.put(["ro", "row", "row;", "rox:1", "rowx:1", "row:a", "row:b", "row:b:c", "s:1", "a:1"]);
    expect((await readAll(host, "prefix", "row:", 2)).keys).toEqual(["row:a", "row:b", "row:b:c"]);
    // `after` outside the prefix: before it reads from the start, after it reads nothing.
    expect(await actor.list("row:", 10, "a")).toEqual(["row:a", "row:b", "row:b:c"]);
    expect(await actor.list("row:", 10, "row;")).toEqual([]);
    expect(await actor.list("row:", 10, "zzz")).toEqual([]);
  });

  test("list returns keys whatever characters follow the prefix", async () => {
    const host = await start();
    const actor = probe(host, "characters");
    const keys = ["u:plain", "u:é", "u:\u4e2d", "u:\uffee", "u:\u{1F600}", "u:\u{10FFFF}x"];
    await actor.put([...keys, "u;after", "t:before"]);
    const read = (await readAll(host, "characters", "u:", 2)).keys;
    expect([...read].sort()).toEqual([...keys].sort());
  });

  test("list includes a key equal to its prefix", async () => {
    const host = await start();
    const actor = probe(host, "bare");
    await actor.put(["cfg", "cfg:1", "cfg:2"]);
    expect(await actor.list("cfg", 10)).toEqual(["cfg", "cfg:1", "cfg:2"]);
  });
}
