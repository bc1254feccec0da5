import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { TransientError } from "../../src/core/errors.ts";
import type { SinkRows } from "../../src/core/postgres-rows.ts";
import { countSinkRows } from "../../src/core/merge-sink-rows.ts";
import { SinkBatcher } from "../../src/sink/batcher.ts";
import { eventRow, rowsOf } from "./sink-rows.ts";

/** A SinkRows of `count` payment events, ids `${tag}_0` ... */
function rows(tag: string, count = 1): SinkRows {
  return rowsOf({ payment_events: Array.from({ length: count }, (_, n) => eventRow(`${tag}_${n}`, tag, n + 1)) });
}

function eventIds(batch: SinkRows): string[] {
  return batch.payment_events.map((row) => row.event_id);
}

/** A write function whose calls wait until the test lets them finish. */
function heldWrites() {
  const calls: { rows: SinkRows; finish: (error?: Error) => void }[] = [];
  const write = (batch: SinkRows) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ rows: batch, finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, write };
}

describe("SinkBatcher", () => {
  test("rows of callers who arrive while writers are busy are merged, up to batch_rows_max", async () => {
    const held = heldWrites();
    const batcher = new SinkBatcher({ write: held.write, batch_rows_max: 5, writers_max: 1 });
    const writes = ["a", "b", "c", "d", "e"].map((tag) => batcher.write(rows(tag, 2)));
    expect(held.calls.map((call) => eventIds(call.rows))).toEqual([["a_0", "a_1"]]);
    held.calls[0]!.finish();
    await Bun.sleep(0);
    expect(eventIds(held.calls[1]!.rows)).toEqual(["b_0", "b_1", "c_0", "c_1"]);
    held.calls[1]!.finish();
    await Bun.sleep(0);
    expect(eventIds(held.calls[2]!.rows)).toEqual(["d_0", "d_1", "e_0", "e_1"]);
    held.calls[2]!.finish();
    await Promise.all(writes);
  });

  test("a call's rows are never split, even when they exceed batch_rows_max", async () => {
    const batches: SinkRows[] = [];
    const batcher = new SinkBatcher({ write: async (batch) => void batches.push(batch), batch_rows_max: 3, writers_max: 1 });
    await Promise.all([batcher.write(rows("small")), batcher.write(rows("big", 7)), batcher.write(rows("next"))]);
    expect(batches.map(countSinkRows)).toEqual([1, 7, 1]);
  });

  test("no more than writers_max batches are written at once", async () => {
    const held = heldWrites();
    const batcher = new SinkBatcher({ write: held.write, batch_rows_max: 1, writers_max: 3 });
    const writes = Array.from({ length: 10 }, (_, n) => batcher.write(rows(`p${n}`)));
    expect(held.calls).toHaveLength(3);
    expect(batcher.pending()).toBe(10);
    for (let call = held.calls.shift(); call !== undefined; call = held.calls.shift()) {
      call.finish();
      await Bun.sleep(0);
      expect(held.calls.length).toBeLessThanOrEqual(3);
    }
    await Promise.all(writes);
    expect(batcher.pending()).toBe(0);
  });

  test("write resolves only once its batch committed", async () => {
    const held = heldWrites();
    const batcher = new SinkBatcher({ write: held.write, writers_max: 1 });
    let settled = false;
    const write = batcher.write(rows("a")).then(() => (settled = true));
    await Bun.sleep(5);
    expect(settled).toBe(false);
    held.calls[0]!.finish();
    await write;
    expect(settled).toBe(true);
  });

  test("when the database fails, every caller of the batch gets the error after at most two retries", async () => {
    let attempts = 0;
    const down = new TransientError("connection refused");
    const batcher = new SinkBatcher({
      async write() {
        attempts += 1;
        await Bun.sleep(1);
        throw down;
      },
      writers_max: 1,
    });
    const writes = ["first", "a", "b", "c", "d"].map((tag) => batcher.write(rows(tag)));
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.every((outcome) => outcome.status === "rejected" && outcome.reason === down)).toBe(true);
    // "first" alone, then a-d together, then the halves a-b and c-d, which both fail: stop there.
    expect(attempts).toBe(4);
  });

  test("one caller's bad rows fail only that caller", async () => {
    const committed: string[] = [];
    const held = heldWrites();
    const batcher = new SinkBatcher({
      async write(batch) {
        if (eventIds(batch).length === 1 && eventIds(batch)[0] === "warmup_0") return held.write(batch);
        if (eventIds(batch).some((id) => id.startsWith("poison"))) throw new Error("value out of range");
        committed.push(...eventIds(batch));
      },
      writers_max: 1,
    });
    const warmup = batcher.write(rows("warmup"));
    const tags = ["a", "b", "poison", "c", "d", "e", "f"];
    const writes = tags.map((tag) => batcher.write(rows(tag)).then(() => "ok", (error: Error) => error.message));
    held.calls[0]!.finish();
    await warmup;
    expect(await Promise.all(writes)).toEqual(["ok", "ok", "value out of range", "ok", "ok", "ok", "ok"]);
    expect(committed.sort()).toEqual(["a_0", "b_0", "c_0", "d_0", "e_0", "f_0"]);
  });

  test("linger_ms holds a batch that is not full to gather more rows", async () => {
    const batches: SinkRows[] = [];
    const batcher = new SinkBatcher({ write: async (batch) => void batches.push(batch), batch_rows_max: 10, linger_ms: 20 });
    const first = batcher.write(rows("a"));
    await Bun.sleep(2);
    const second = batcher.write(rows("b"));
    expect(batches).toHaveLength(0);
    await Promise.all([first, second]);
    expect(batches.map(eventIds)).toEqual([["a_0", "b_0"]]);
  });

  test("a full backlog refuses new rows with a TransientError", async () => {
    const held = heldWrites();
    const batcher = new SinkBatcher({ write: held.write, batch_rows_max: 2, writers_max: 1, queued_rows_max: 4 });
    const accepted = [batcher.write(rows("a", 2)), batcher.write(rows("b", 2)), batcher.write(rows("c", 2))];
    await expect(batcher.write(rows("d", 1))).rejects.toBeInstanceOf(TransientError);
    expect(batcher.pending()).toBe(6);
    held.calls[0]!.finish();
    await Bun.sleep(0);
    held.calls[1]!.finish();
    await Bun.sleep(0);
    held.calls[2]!.finish();
    await Promise.all(accepted);
  });

  test("close writes everything accepted, then refuses new rows", async () => {
    const batches: SinkRows[] = [];
    const batcher = new SinkBatcher({
      async write(batch) {
        await Bun.sleep(2);
        batches.push(batch);
      },
      linger_ms: 60_000,
    });
    const accepted = batcher.write(rows("a"));
    await batcher.close();
    await accepted;
    expect(batches.map(eventIds)).toEqual([["a_0"]]);
    await expect(batcher.write(rows("b"))).rejects.toThrow("closed");
  });

  test("the batcher imports no platform module, so it runs in a Durable Object too", () => {
    const source = readFileSync(new URL("../../src/sink/batcher.ts", import.meta.url), "utf8");
    const imports = [...source.matchAll(/from "([^"]+)"/g)].map((match) => match[1]);
    expect(imports.every((path) => path?.startsWith("../core/"))).toBe(true);
  });
});
