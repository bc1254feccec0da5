/**
 * When the Bun host's actors run, relative to acknowledging webhooks. Both share one event
 * loop. While requests keep arriving, acknowledging comes first: the acknowledgement is what
 * the sender waits for, and processing catches up after it, from the durable ingress log and
 * inboxes. Processing's share grows with the square of its lag (the oldest waiting work) and
 * is whole at LAG_TARGET_MS, or as the backlog goes from half of BACKLOG_MAX to all of it; past
 * BACKLOG_MAX new webhooks are refused with 503 and Retry-After, so the backlog never grows
 * without bound. Work found at start (after a crash) counts as overdue: it runs at full speed.
 *
 * The share is bounded by how many actor handlers run at once, not only by time slices: a
 * handler runs on past its slice, as its awaits (fraud checks, fsyncs, the sink) resume on
 * later turns of the loop.
 *
 * Measured (`npm run bench`: warm, 31,580 events, 64 in flight) with time slices alone,
 * 19–20K events/s; with the handler cap, 21–25K. Interleaved runs, cap 2 against cap 1:
 * 39/41/39% of the ceiling against 39/45/44%. With an open-loop 2,000 events/s for 8 s:
 * before, acknowledgement p50 4.9 ms and p99 131 ms, from processing stalls of 50–170 ms;
 * now p50 0.6 ms and p99 11 ms, with Postgres up to 6 s behind and caught up 2 s after.
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
export const HANDLERS_HELD_BACK = 1;

/** Traffic is at least BUSY_REQUESTS request starts within BUSY_WINDOW_MS (160 a second). */
export const BUSY_REQUESTS = 8;
export const BUSY_WINDOW_MS = 50;

export interface ProcessingLoad {
  /** Requests are arriving fast enough for acknowledging to need the loop. */
  busy(): boolean;
  /** How long the oldest waiting work has waited, in ms. */
  lag_ms(): number;
  /** Work waiting: due actors plus events in the ingress log. */
  backlog(): number;
}

/**
 * While requests arrive, processing's share of the loop grows with its lag, from a trickle
 * (HANDLERS_HELD_BACK handlers, 1 ms slices every 50 ms) to everything at LAG_TARGET_MS.
 * Growing gradually, not switching at the target, keeps a sustained load that the held-back
 * rate cannot carry from swinging between fast acknowledgements and long processing stalls.
 */
export function processingSchedule(load: ProcessingLoad): Required<AlarmSchedulerOptions> {
  /**
   * 0: acknowledging first; 1: processing at full speed. Past half of BACKLOG_MAX the backlog
   * raises it too, to 1 at the bound: the host must never refuse webhooks with 503 while it
   * holds its own processing back.
   */
  const pressure = () => {
    if (!load.busy()) return 1;
    const by_lag = (load.lag_ms() / LAG_TARGET_MS) ** 2;
    const by_backlog = (load.backlog() - BACKLOG_MAX / 2) / (BACKLOG_MAX / 2);
    return Math.min(1, Math.max(by_lag, by_backlog));
  };
  return {
    slice_ms: () => (load.busy() ? 1 + Math.round(4 * pressure()) : 20),
    pause_ms: () => Math.round(50 * (1 - pressure())),
    handlers_max: () => {
      const share = pressure();
      return share >= 1 ? Number.POSITIVE_INFINITY : HANDLERS_HELD_BACK + Math.floor(share * 30);
    },
  };
}

/** Tracks requests for `busy()`: call `started` at the start of each one. */
export class RequestActivity {
  /** Start times of the last BUSY_REQUESTS requests, as a ring. */
  private readonly starts = new Float64Array(BUSY_REQUESTS).fill(Number.NEGATIVE_INFINITY);
  private next = 0;

  started(): void {
    this.starts[this.next] = performance.now();
    this.next = (this.next + 1) % BUSY_REQUESTS;
  }

  busy(): boolean {
    // The oldest of the last BUSY_REQUESTS starts is the next one to be overwritten.
    return performance.now() - this.starts[this.next]! < BUSY_WINDOW_MS;
  }
}
