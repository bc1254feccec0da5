import { describe, expect, test } from "bun:test";
import { murmur2, partitionForKey } from "../../scripts/kafka-dev/murmur2.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("the dev broker's partitioner", () => {
  // Kafka's own test vectors for Utils.murmur2 (clients/src/test/.../UtilsTest.java).
  test.each([
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
  ])("murmur2(%p) is Kafka's %p", (input, expected) => {
    expect(murmur2(bytes(input))).toBe(expected);
  });

  test("a key always maps to the same partition, within range", () => {
    for (let index = 0; index < 200; index += 1) {
      const partition = partitionForKey(bytes(`pay_${index}`), 4);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(4);
      expect(partitionForKey(bytes(`pay_${index}`), 4)).toBe(partition);
    }
  });
});
