/**
 * How late the HTTP thread's event loop runs: a timer due every few milliseconds, and how late
 * it fired, smoothed over the last few checks. That is about how long a request arriving now
 * waits before its handler starts.
 *
 * Offered webhooks faster than it can admit them (open loop: providers do not wait for our
 * answers), the HTTP thread would take each in turn while the rest queue, and every answer,
 * 503s included, would come late. Measured at 10,000 events/s offered on two cores, with only
 * the backlog limit: acknowledgement p50 290 ms and p99 1.4 s while the ingress backlog filled
 * at the offered rate. Refusing while the loop runs late keeps the thread at what it can
 * admit: a refusal costs a seventh of an admission (25 against 180 µs).
 *
 * Smoothed, because a burst from a closed loop (a sender with a fixed number of requests in
 * flight) has single late checks (a collection, a long commit) but never a queue that grows:
 * measured over two bursts of 31,600 events, no smoothed lateness past 10 ms in 4,800 checks;
 * at 10,000 events/s offered, 165 in 5,400. Refusing on single late checks refused 4% of a burst.
 *
 * And only with many requests in flight: a late loop with few of them is a machine busy with
 * something else, not a queue of ours that grows (a sender with 16 in flight, replaying after a
 * restart while the machine ran other tests, had 60% of its requests refused with a floor of
 * 32; with PostgreSQL on the same two cores, 43 of 30,000 events at 1,000 events/s and 852 of a
 * 31,600-event burst were). A closed loop of up to 128 senders is never refused for lag.
 */
const SMOOTHING = 0.25;
/** Refuse while the loop runs later than this... */
export const LAG_MS_MAX = 10;
/** ...and more requests than this are in flight. */
export const IN_FLIGHT_MIN = 128;

export class EventLoopLag {
  private late_ms = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly every_ms = 5) {}

  start(): void {
    if (this.timer === null) this.arm();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.late_ms = 0;
  }

  /** How late the loop runs, in ms (smoothed). */
  lateMs(): number {
    return this.late_ms;
  }

  /** Whether new webhooks should be refused now, with `in_flight` requests being answered. */
  overloaded(in_flight: number): boolean {
    return in_flight > IN_FLIGHT_MIN && this.late_ms > LAG_MS_MAX;
  }

  /** One check, `late_ms` after it was due (public for tests, which feed it lateness). */
  checked(late_ms: number): void {
    this.late_ms += SMOOTHING * (Math.max(0, late_ms) - this.late_ms);
  }

  private arm(): void {
    const due_at = performance.now() + this.every_ms;
    this.timer = setTimeout(() => {
      this.checked(performance.now() - due_at);
      this.arm();
    }, this.every_ms);
    // Never what keeps the process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }
}
