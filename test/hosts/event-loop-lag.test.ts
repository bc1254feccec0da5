import { expect, test } from "bun:test";
import { EventLoopLag, IN_FLIGHT_MIN, LAG_MS_MAX } from "../../src/hosts/bun/event-loop-lag.ts";

test("one late check moves the lag a quarter of the way; a late run of them moves it all the way", () => {
  const lag = new EventLoopLag();
  lag.checked(40);
  expect(lag.lateMs()).toBe(10);
  for (let index = 0; index < 30; index += 1) lag.checked(40);
  expect(lag.lateMs()).toBeGreaterThan(39.9);
  for (let index = 0; index < 30; index += 1) lag.checked(0);
  expect(lag.lateMs()).toBeLessThan(0.1);
});

test("a check that fired early counts as on time", () => {
  const lag = new EventLoopLag();
  lag.checked(-3);
  expect(lag.lateMs()).toBe(0);
});

test("a blocked event loop shows as lag once its timer fires, and stopping clears it", async () => {
  const lag = new EventLoopLag(2);
  lag.start();
  await Bun.sleep(10);
  for (let round = 0; round < 6; round += 1) {
    const until = performance.now() + 30;
    while (performance.now() < until) {}
    await Bun.sleep(3);
  }
  // Six checks each at least ~25 ms late: smoothed past 10 ms whatever the machine's speed.
  expect(lag.lateMs()).toBeGreaterThan(10);
  lag.stop();
  expect(lag.lateMs()).toBe(0);
});

test("it refuses only while the loop runs late with many requests in flight", () => {
  const lag = new EventLoopLag();
  for (let index = 0; index < 30; index += 1) lag.checked(LAG_MS_MAX * 3);
  expect(lag.overloaded(IN_FLIGHT_MIN + 1)).toBe(true);
  // A sender with few requests in flight on a machine busy elsewhere builds no queue of ours.
  expect(lag.overloaded(IN_FLIGHT_MIN)).toBe(false);
  for (let index = 0; index < 30; index += 1) lag.checked(0);
  expect(lag.overloaded(IN_FLIGHT_MIN * 10)).toBe(false);
});
