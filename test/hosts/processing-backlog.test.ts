/** The Bun host's overload estimate (processing-backlog.ts), on a clock the test moves. */
import { expect, test } from "bun:test";
import { ProcessingBacklog } from "../../src/hosts/bun/processing-backlog.ts";

function backlogOnClock() {
  let now = 0;
  const waiting = { entries: 0, oldest_at: 0 };
  const backlog = new ProcessingBacklog(
    { size: () => waiting.entries, oldestAgeMs: () => (waiting.entries === 0 ? 0 : now - waiting.oldest_at) },
    { backlog_ms_max: 15_000, backlog_events_max: 100_000 },
    () => now,
  );
  /** One second in which the actor thread took `count` entries while work waited. */
  const busySecond = (count: number) => {
    waiting.entries = Math.max(waiting.entries, 1);
    backlog.delivered(count);
    now += 1_000;
    backlog.drainMs();
  };
  /** Time with nothing waiting. */
  const idle = (ms: number) => {
    const entries = waiting.entries;
    waiting.entries = 0;
    now += ms;
    backlog.drainMs();
    waiting.entries = entries;
  };
  return { backlog, waiting, busySecond, idle, advance: (ms: number) => (now += ms), now: () => now };
}

test("a burst that processing drains in time is accepted although processing runs slower while the burst lasts", () => {
  const { backlog, waiting, busySecond, now } = backlogOnClock();
  busySecond(3_000); // processing at full speed: 3 entries a millisecond
  waiting.entries = 20_000;
  waiting.oldest_at = now();
  busySecond(500); // during the burst, the HTTP thread comes first
  busySecond(500);
  // 20,000 entries at the fastest recent rate take about 6.7 s: under 15 s.
  expect(backlog.drainMs()).toBeCloseTo(20_000 / 3, 0);
  expect(backlog.overloaded()).toBe(false);
});

test("a fast rate is forgotten after a while: a backlog at the slow rate alone is refused", () => {
  const { backlog, waiting, busySecond, idle, now } = backlogOnClock();
  busySecond(3_000);
  idle(61_000);
  busySecond(500);
  waiting.entries = 20_000;
  waiting.oldest_at = now();
  expect(backlog.drainMs()).toBeCloseTo(20_000 / 0.5, 0);
  expect(backlog.overloaded()).toBe(true);
});

test("the oldest entry's age is the floor of the estimate, whatever the rate", () => {
  const { backlog, waiting, busySecond, advance, now } = backlogOnClock();
  busySecond(3_000);
  waiting.entries = 10;
  waiting.oldest_at = now();
  advance(16_000);
  expect(backlog.drainMs()).toBeGreaterThanOrEqual(16_000);
  expect(backlog.overloaded()).toBe(true);
});

test("with no rate known yet, only the age of the waiting work counts, and past the count limit everything is refused", () => {
  const { backlog, waiting, advance, now } = backlogOnClock();
  waiting.entries = 50_000;
  waiting.oldest_at = now();
  advance(1_000);
  expect(backlog.drainMs()).toBe(1_000);
  expect(backlog.overloaded()).toBe(false);
  waiting.entries = 100_000;
  expect(backlog.overloaded()).toBe(true);
});
