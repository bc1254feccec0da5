/**
 * One durable alarm per actor on the Bun host: an in-process timer, and a row in the actor
 * database written in the same group commit as the change that set it. At start every stored
 * alarm is re-armed, so work pending at a crash resumes.
 *
 * The stored time is kept a lower bound of the real one, not a copy: alarm handlers are
 * idempotent (alarms may fire early or twice), so a restart that wakes an actor early costs
 * one extra run, while rewriting the row at every set and fire cost a random B-tree page per
 * write on the hot path. The row is written only when the alarm moves earlier, and removed
 * when the actor has no work left.
 */
import type { ActorDatabase } from "./actor-database.ts";
import { FifoMap } from "./fifo-map.ts";

/** While handlers are at their cap, how often to look whether the cap has risen. */
const CAP_RECHECK_MS = 50;

type Fire = (actor: string) => Promise<void>;

export interface AlarmSchedulerOptions {
  /**
   * How long one slice of alarm handlers may run before the event loop serves I/O again, and
   * how long to wait before the next slice (0: the next turn of the loop). Due alarms wait in
   * a queue and start in slices, so the host can let acknowledging requests come first.
   */
  slice_ms?: () => number;
  pause_ms?: () => number;
  /**
   * How many handlers may be running at once. A handler runs on past its slice (its awaits
   * resume on later turns: fraud checks, fsyncs, the sink), so this is what bounds the share
   * of the event loop that processing takes while requests wait.
   */
  handlers_max?: () => number;
}

export class AlarmScheduler {
  private readonly alarms = new Map<string, { at_ms: number; timer: ReturnType<typeof setTimeout> }>();
  /** The time stored for each actor: never later than its in-memory alarm. */
  private readonly stored = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  /** Due actors waiting for a slice, oldest first, with when they became due (performance.now). */
  private readonly ready = new FifoMap<string, number>();
  private recheck_timer: ReturnType<typeof setTimeout> | null = null;
  private pump_scheduled = false;
  private readonly slice_ms: () => number;
  private readonly pause_ms: () => number;
  private readonly handlers_max: () => number;

  constructor(
    private readonly database: ActorDatabase,
    private readonly now: () => number,
    private readonly fire: Fire,
    options: AlarmSchedulerOptions = {},
  ) {
    this.slice_ms = options.slice_ms ?? (() => 5);
    this.pause_ms = options.pause_ms ?? (() => 0);
    this.handlers_max = options.handlers_max ?? (() => Number.POSITIVE_INFINITY);
  }

  get(actor: string): number | null {
    return this.alarms.get(actor)?.at_ms ?? null;
  }

  set(actor: string, at_ms: number): void {
    const existing = this.alarms.get(actor);
    if (existing?.at_ms === at_ms) return;
    const stored = this.stored.get(actor);
    if (stored === undefined || stored > at_ms) {
      this.database.setAlarm(actor, at_ms);
      this.stored.set(actor, at_ms);
    }
    this.schedule(actor, at_ms);
  }

  delete(actor: string): void {
    const existing = this.alarms.get(actor);
    if (existing) {
      clearTimeout(existing.timer);
      this.alarms.delete(actor);
    }
    if (this.stored.delete(actor)) this.database.deleteAlarm(actor);
  }

  /** Re-arms every alarm stored before the last stop or crash. */
  restore(): number {
    const stored = this.database.alarms();
    for (const { actor, at_ms } of stored) {
      this.stored.set(actor, at_ms);
      this.schedule(actor, at_ms);
    }
    return stored.length;
  }

  pending(): number {
    return this.alarms.size;
  }

  /** Actors whose alarm is due and waiting for a slice: the processing backlog. */
  due(): number {
    return this.ready.size;
  }

  /** How long the oldest due actor has waited for a slice: the processing lag, in ms. */
  dueAgeMs(): number {
    const oldest = this.ready.first();
    return oldest === undefined ? 0 : performance.now() - oldest[1];
  }

  /** Stops firing alarms and waits for handlers already running. Stored alarms stay. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.alarms.values()) clearTimeout(timer);
    if (this.recheck_timer !== null) clearTimeout(this.recheck_timer);
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private schedule(actor: string, at_ms: number): void {
    const existing = this.alarms.get(actor);
    if (existing) clearTimeout(existing.timer);
    if (this.stopped) return;
    const delay = Math.max(0, at_ms - this.now());
    const timer = setTimeout(() => this.run(actor, at_ms), Math.min(delay, 2 ** 31 - 1));
    this.alarms.set(actor, { at_ms, timer });
  }

  /** A timer came due: queue the actor for the next slice. */
  private run(actor: string, at_ms: number): void {
    const current = this.alarms.get(actor);
    if (!current || current.at_ms !== at_ms || this.stopped) return;
    if (at_ms > this.now()) {
      // Timers cap at about 24.8 days; a later alarm is re-armed in steps.
      this.schedule(actor, at_ms);
      return;
    }
    this.ready.add(actor, performance.now());
    this.schedulePump();
  }

  private schedulePump(immediate = false): void {
    if (this.pump_scheduled) return;
    this.pump_scheduled = true;
    const pause = immediate ? 0 : this.pause_ms();
    if (pause > 0) setTimeout(() => this.pump(), pause);
    else setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pump_scheduled = false;
    const deadline = performance.now() + this.slice_ms();
    let started = 0;
    const handlers_max = this.handlersMax();
    while (this.ready.size > 0 && this.running.size < handlers_max && (started === 0 || performance.now() < deadline)) {
      const actor = this.ready.first()![0];
      this.ready.delete(actor);
      const current = this.alarms.get(actor);
      if (!current || current.at_ms > this.now() || this.stopped) continue;
      this.start(actor);
      started += 1;
    }
    if (this.ready.size === 0) return;
    // A full set of handlers pumps again when one of them ends, or when the cap rises (the
    // host's traffic stopped) while they are still running.
    if (this.running.size < handlers_max) this.schedulePump();
    else this.recheckCap();
  }

  /** At least one: a cap of zero would stop processing for good. */
  private handlersMax(): number {
    return Math.max(1, this.handlers_max());
  }

  /** While handlers are at their cap, looks now and then whether the cap has risen. */
  private recheckCap(): void {
    this.recheck_timer ??= setTimeout(() => {
      this.recheck_timer = null;
      if (this.stopped || this.ready.size === 0) return;
      if (this.running.size < this.handlersMax()) this.schedulePump(true);
      else this.recheckCap();
    }, CAP_RECHECK_MS);
  }

  private start(actor: string): void {
    // The alarm is consumed as it fires, as on Durable Objects; the handler re-arms or
    // deletes it. The stored row stays until then: a crash mid-handler wakes the actor again.
    this.alarms.delete(actor);
    const handled = this.fire(actor).catch((error) => {
      console.error(`alarm of actor ${actor} failed; retrying in 1 s:`, error);
      if (!this.alarms.has(actor)) this.set(actor, this.now() + 1_000);
    });
    this.running.add(handled);
    handled.finally(() => {
      this.running.delete(handled);
      // A handler that ends frees its place at once: the cap, not the pause, bounds the share.
      if (this.ready.size > 0) this.schedulePump(true);
    });
  }
}
