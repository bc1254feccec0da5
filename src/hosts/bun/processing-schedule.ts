/**
 * When the Bun host's actors run, relative to acknowledging webhooks. Both share one event
 * loop. Acknowledging comes first during a burst: the acknowledgement is what the sender waits
 * for, and processing catches up after it. Measured with `npm run bench` (30,000 events, 64 in
 * flight): with processing interleaved on every turn, 2.7K events/s with p99 62 ms; with 1 ms
 * slices every 50 ms while requests are in flight, 8.5K events/s with p99 20 ms, and every event
 * in Postgres sooner (8.4 s against 9.2 s), because a backlog flushes in larger batches.
 *
 * A backlog must not grow without bound under sustained load, so the pause shrinks as the
 * backlog grows, and past BACKLOG_MAX ingress answers 503 with Retry-After.
 */
import type { AlarmSchedulerOptions } from "../../../actors/bun/alarm-scheduler.ts";

/**
 * Work waiting (due actors plus events in the ingress log) beyond which new webhooks are
 * refused with 503. Waiting work costs a queue entry in memory; the messages are on disk. At
 * the processing rate measured here (about 3,500 events/s) this bounds the lag to under a
 * minute.
 */
export const BACKLOG_MAX = 100_000;

export function processingSchedule(requests_in_flight: () => number, actors_due: () => number): Required<AlarmSchedulerOptions> {
  return {
    slice_ms: () => {
      if (requests_in_flight() === 0) return 20;
      return actors_due() < 80_000 ? 1 : 5;
    },
    pause_ms: () => {
      if (requests_in_flight() === 0) return 0;
      const due = actors_due();
      if (due < 50_000) return 50;
      if (due < 80_000) return 10;
      return 0;
    },
  };
}
