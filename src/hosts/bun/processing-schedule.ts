/**
 * When the Bun host's actors run, relative to acknowledging webhooks. Both share one event
 * loop. While requests keep arriving, acknowledging comes first: the acknowledgement is what
 * the sender waits for, and processing catches up after it, from the durable ingress log and
 * inboxes. Processing is held back only while its lag (the oldest waiting work) is under
 * LAG_TARGET_MS; past that, under load the held-back rate cannot carry, it runs at full speed
 * (acknowledgements slow to the rate processing sustains), and past BACKLOG_MAX new webhooks
 * are refused with 503 and Retry-After, so the backlog never grows without bound.
 *
 * Held back means: at most HANDLERS_HELD_BACK actor handlers running at once, and the ingress
 * log moved in 1 ms slices every 50 ms. A time slice alone does not bound processing's share:
 * a handler runs on past its slice, as its awaits (fraud checks, fsyncs, the sink) resume on
 * later turns of the loop.
 *
 * Measured (`npm run bench`, warm, 31,580 events, 64 in flight): with time slices alone,
 * 19–20K events/s, p99 10–13 ms; with the handler cap, 21–26K events/s, p99 7–10 ms. With an
 * open-loop 2,000 events/s for 8 s, processing keeps up with a lag of one to two seconds.
 */
import type { AlarmSchedulerOptions } from "../../../actors/bun/alarm-scheduler.ts";

/**
 * Work waiting (due actors plus events in the ingress log) beyond which new webhooks are
 * refused with 503. Waiting work costs a queue entry in memory; the messages are on disk.
 */
export const BACKLOG_MAX = 100_000;

/**
 * Processing lag (the oldest waiting work) up to which acknowledging comes first: a burst of
 * up to about this long is acknowledged at full speed. With 1 s, a 1.5 s burst of 25K
 * events/s fell to 4–7K events/s once the lag passed 1 s.
 */
export const LAG_TARGET_MS = 10_000;

/** Handlers running at once while processing is held back. */
export const HANDLERS_HELD_BACK = 2;

/** A request ended this recently counts as traffic: a closed-loop sender's next is on its way. */
export const BUSY_WINDOW_MS = 5;

export interface ProcessingLoad {
  /** Requests are being served, or were a moment ago. */
  busy(): boolean;
  /** How long the oldest waiting work has waited, in ms. */
  lag_ms(): number;
}

export function processingSchedule(load: ProcessingLoad): Required<AlarmSchedulerOptions> {
  const held_back = () => load.busy() && load.lag_ms() < LAG_TARGET_MS;
  return {
    slice_ms: () => (held_back() ? 1 : load.busy() ? 5 : 20),
    pause_ms: () => (held_back() ? 50 : 0),
    handlers_max: () => (held_back() ? HANDLERS_HELD_BACK : Number.POSITIVE_INFINITY),
  };
}

/** Tracks requests for `busy()`: call `started` and `ended` around each one. */
export class RequestActivity {
  private in_flight = 0;
  private last_ended = Number.NEGATIVE_INFINITY;

  started(): void {
    this.in_flight += 1;
  }

  ended(): void {
    this.in_flight -= 1;
    this.last_ended = performance.now();
  }

  busy(): boolean {
    return this.in_flight > 0 || performance.now() - this.last_ended < BUSY_WINDOW_MS;
  }
}
