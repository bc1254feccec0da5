import { describe, expect, test } from "bun:test";
import { HANDLERS_HELD_BACK, LAG_TARGET_MS, processingSchedule, RequestActivity } from "../../src/hosts/bun/processing-schedule.ts";

describe("the Bun host's processing schedule", () => {
  const scheduleFor = (busy: boolean, lag_ms: number) => processingSchedule({ busy: () => busy, lag_ms: () => lag_ms });

  test("while requests arrive and processing keeps up, acknowledging comes first", () => {
    const schedule = scheduleFor(true, 10);
    expect(schedule.handlers_max()).toBe(HANDLERS_HELD_BACK);
    expect(schedule.pause_ms()).toBeGreaterThan(0);
  });

  test("past the lag target, or with no traffic, processing runs at full speed", () => {
    for (const schedule of [scheduleFor(true, LAG_TARGET_MS + 1), scheduleFor(false, 10)]) {
      expect(schedule.handlers_max()).toBe(Number.POSITIVE_INFINITY);
      expect(schedule.pause_ms()).toBe(0);
    }
  });

  test("a request in flight, or one that just ended, is traffic; a quiet moment is not", async () => {
    const activity = new RequestActivity();
    expect(activity.busy()).toBe(false);
    activity.started();
    expect(activity.busy()).toBe(true);
    activity.ended();
    expect(activity.busy()).toBe(true);
    await Bun.sleep(30);
    expect(activity.busy()).toBe(false);
  });
});
