import { expect, test } from "bun:test";
import { FifoMap } from "../../actors/bun/fifo-map.ts";

test("FifoMap yields the oldest entry still present, whatever was deleted or added again", () => {
  const map = new FifoMap<string, number>();
  expect(map.first()).toBeUndefined();
  map.add("a", 1);
  map.add("b", 2);
  map.add("a", 9); // already present: keeps its place and value
  expect(map.first()).toEqual(["a", 1]);
  map.delete("a");
  map.add("c", 3);
  map.add("a", 4); // added again: now the newest
  expect(map.first()).toEqual(["b", 2]);
  map.delete("b");
  expect(map.first()).toEqual(["c", 3]);
  map.delete("c");
  expect(map.first()).toEqual(["a", 4]);
  expect(map.size).toBe(1);
});

test("FifoMap keeps order across many adds and deletes (compaction)", () => {
  const map = new FifoMap<number, number>();
  const expected: number[] = [];
  for (let index = 0; index < 50_000; index += 1) {
    map.add(index, index);
    expected.push(index);
    if (index % 3 !== 0) {
      const oldest = map.first()!;
      expect(oldest[0]).toBe(expected.shift()!);
      map.delete(oldest[0]);
    }
  }
  while (map.size > 0) {
    const oldest = map.first()!;
    expect(oldest[0]).toBe(expected.shift()!);
    map.delete(oldest[0]);
  }
  expect(expected).toEqual([]);
});
