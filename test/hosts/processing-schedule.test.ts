import { describe, expect, test } from "bun:test";
import {
  BACKLOG_MAX,
  BUSY_REQUESTS,
  HANDLERS_HELD_BACK,
  LAG_TARGET_MS,
  processingSchedule,
  RequestActivity,
} from "../../src/hosts/bun/processing-schedule.ts";

describe("the Bun host's processing schedule", () => {
  const scheduleFor = (busy: boolean, lag_ms: number, backlog = 0) =>
    processingSchedule({ busy: () => busy, lag_ms: () => lag_ms, backlog: () => backlog });

  test("while requests arrive and processing keeps up, acknowledging comes first", () => {
    const schedule = scheduleFor(true, 0);
    expect(schedule.handlers_max()).toBe(HANDLERS_HELD_BACK);
    expect(schedule.pause_ms()).toBe(50);
    expect(schedule.slice_ms()).toBe(1);
  });

  test("processing's share grows with its lag, and is whole at the lag target", () => {
    const half = scheduleFor(true, LAG_TARGET_MS / 2);
    expect(half.handlers_max()).toBeGreaterThan(HANDLERS_HELD_BACK);
    expect(half.handlers_max()).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(half.pause_ms()).toBeGreaterThan(0);
    expect(half.pause_ms()).toBeLessThan(50);
    // Slowly at first: a burst of a couple of seconds is still acknowledged at full speed.
    const early = scheduleFor(true, LAG_TARGET_MS / 5);
    expect(early.handlers_max()).toBe(HANDLERS_HELD_BACK + 1);
    expect(early.handlers_max()).toBeLessThan(half.handlers_max());
    const late = scheduleFor(true, LAG_TARGET_MS);
    expect(late.handlers_max()).toBe(Number.POSITIVE_INFINITY);
    expect(late.pause_ms()).toBe(0);
  });

  test("near the backlog bound processing runs at full speed, so 503s never come while it is held back", () => {
    expect(scheduleFor(true, 0, BACKLOG_MAX / 2).handlers_max()).toBe(HANDLERS_HELD_BACK);
    expect(scheduleFor(true, 0, BACKLOG_MAX * 0.75).handlers_max()).toBeGreaterThan(HANDLERS_HELD_BACK);
    expect(scheduleFor(true, 0, BACKLOG_MAX).handlers_max()).toBe(Number.POSITIVE_INFINITY);
  });

  test("without traffic, processing runs at full speed whatever its lag", () => {
    const schedule = scheduleFor(false, 0);
    expect(schedule.handlers_max()).toBe(Number.POSITIVE_INFINITY);
    expect(schedule.pause_ms()).toBe(0);
  });

  test("traffic is a burst of requests; a monitoring poll is not", async () => {
    const activity = new RequestActivity();
    expect(activity.busy()).toBe(false);
    activity.started(); // one /health poll
    expect(activity.busy()).toBe(false);
    for (let index = 1; index < BUSY_REQUESTS; index += 1) activity.started();
    expect(activity.busy()).toBe(true);
    await Bun.sleep(60);
    expect(activity.busy()).toBe(false);
  });
});
