/**
 * One durable alarm per actor on the Bun host: an in-process timer, and a row in the actor
 * database written in the same group commit as the change that set it. At start every stored
 * alarm is re-armed, so work pending at a crash resumes.
 *
 * The stored time is kept a lower bound of the real one, not a copy: alarm handlers are
 * idempotent (alarms may fire early or twice), so a restart that wakes an actor early costs
 * one extra run, while rewriting the row at every set and fire cost a B-tree write per set on
 * the hot path. The row is written only when the alarm moves earlier, and removed when the
 * actor has no work left; rows are found by their time (actor-database.ts), kept here.
 *
 * Only alarms due within the horizon are held in memory. One further off (a finished
 * payment's retirement, 35 days away) is only its row, at its own time, loaded as it comes
 * within the horizon: a timer and two map entries for every finished payment were about 400
 * bytes of heap each for as long as its retention lasts. Such an alarm reads as none (`get`
 * answers null), and the row of an actor that was set far and then nearer is known to nobody
 * until it is loaded, when it is deleted as a later duplicate of the one held, or fires once
 * for nothing.
 */
import type { ActorDatabase } from "./actor-database.ts";
import { FifoMap } from "./fifo-map.ts";

type Fire = (actor: string) => Promise<void>;

export interface AlarmSchedulerOptions {
  /**
   * How many alarm handlers may run at once; due actors beyond it wait in a queue. Most of a
   * payment's handler is waiting for its flush (the actor database's fsync, then a sink batch),
   * so this bounds the payments in flight between processing and Postgres. Past it, due actors
   * queue, ingress delivery stops (ingress-delivery.ts), and the backlog stays in the ingress
   * log, where the HTTP thread answers 503 once it would take too long to process. With 512,
   * the handlers waiting on slow batches held delivery back while the actor thread was 60%
   * busy (2,000 events/s on two slow cores: backlog 7,000, Postgres 3 to 5 s behind; with
   * 4,096, backlog 1,000 to 3,900 and 20% fewer bytes written, since a payment's delivery and
   * processing more often share a commit).
   */
  handlers_max?: number;
  /** Alarms due within this long are held in memory; later ones only as rows (default 10 min). */
  horizon_ms?: number;
  /** How often rows coming within the horizon are loaded (default 1 min; less than the horizon). */
  load_interval_ms?: number;
}

const DEFAULT_HANDLERS_MAX = 4_096;
export const DEFAULT_HORIZON_MS = 10 * 60_000;
const DEFAULT_LOAD_INTERVAL_MS = 60_000;

export class AlarmScheduler {
  /** A due alarm has no timer: its actor waits in `ready`. */
  private readonly alarms = new Map<string, { at_ms: number; timer: ReturnType<typeof setTimeout> | null }>();
  /** The time stored for each actor: never later than its in-memory alarm. */
  private readonly stored = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  /** Due actors waiting for a place, oldest first, with when they became due (performance.now). */
  private readonly ready = new FifoMap<string, number>();
  private pump_scheduled = false;
  private readonly handlers_max: number;
  private readonly horizon_ms: number;
  private readonly load_interval_ms: number;
  /**
   * Every row before this time is known here (in `stored`), or was deleted as a duplicate;
   * rows at or after it are loaded as it moves. Until `restore()`, everything is held.
   */
  private loaded_through = Number.POSITIVE_INFINITY;
  private load_timer: ReturnType<typeof setInterval> | null = null;
  /** Handlers running, by actor: while one runs, its stored row stays where it is. */
  private readonly firing = new Map<string, number>();

  constructor(
    private readonly database: ActorDatabase,
    private readonly now: () => number,
    private readonly fire: Fire,
    options: AlarmSchedulerOptions = {},
  ) {
    this.handlers_max = Math.max(1, options.handlers_max ?? DEFAULT_HANDLERS_MAX);
    this.horizon_ms = Math.max(1, options.horizon_ms ?? DEFAULT_HORIZON_MS);
    this.load_interval_ms = Math.max(1, Math.min(options.load_interval_ms ?? DEFAULT_LOAD_INTERVAL_MS, this.horizon_ms / 2));
  }

  get(actor: string): number | null {
    return this.alarms.get(actor)?.at_ms ?? null;
  }

  set(actor: string, at_ms: number): void {
    const existing = this.alarms.get(actor);
    if (existing?.at_ms === at_ms) return;
    const stored = this.stored.get(actor);
    // Beyond the horizon, only the row. Not while a handler runs: its nearer row is what
    // wakes the actor again if the process dies mid-handler; it moves once the handler ends.
    if (this.beyondHorizon(at_ms) && !this.firing.has(actor)) {
      this.park(actor, at_ms);
      return;
    }
    if (stored === undefined || stored > at_ms) {
      this.database.setAlarm(actor, at_ms, stored);
      this.stored.set(actor, at_ms);
    }
    this.schedule(actor, at_ms);
  }

  /** Keeps the alarm as its row only, at its own time (moved there from a nearer one, once a payment finishes). */
  private park(actor: string, at_ms: number): void {
    this.unschedule(actor);
    const stored = this.stored.get(actor);
    if (stored !== at_ms) this.database.setAlarm(actor, at_ms, stored);
    this.stored.delete(actor);
  }

  delete(actor: string): void {
    this.unschedule(actor);
    const stored = this.stored.get(actor);
    if (stored === undefined) return;
    this.stored.delete(actor);
    this.database.deleteAlarm(actor, stored);
  }

  private beyondHorizon(at_ms: number): boolean {
    return at_ms >= this.loaded_through;
  }

  /** Drops the actor's alarm from memory (its timer too); its row stays. */
  private unschedule(actor: string): void {
    const existing = this.alarms.get(actor);
    if (existing?.timer) clearTimeout(existing.timer);
    this.alarms.delete(actor);
  }

  /**
   * Re-arms every alarm stored before the last stop or crash that is due within the horizon
   * (the rest are loaded as they come within it), and starts loading them.
   */
  restore(): number {
    const through = this.now() + this.horizon_ms;
    this.load(Number.NEGATIVE_INFINITY, through);
    this.loaded_through = through;
    this.load_timer ??= setInterval(() => this.loadComing(), this.load_interval_ms);
    (this.load_timer as { unref?: () => void }).unref?.();
    return this.stored.size;
  }

  /**
   * Takes the rows coming within the horizon into memory: every `load_interval_ms`, and when
   * a caller's clock jumped (a test's).
   */
  loadComing(): void {
    if (this.stopped) return;
    const through = this.now() + this.horizon_ms;
    if (through <= this.loaded_through) return;
    try {
      this.load(this.loaded_through, through);
      this.loaded_through = through;
    } catch (error) {
      // The actor database lost its batch (a full disk): it is rebuilt, and this with it.
      console.error("alarms: loading the coming ones failed; trying again at the next load:", error);
    }
  }

  private load(from_ms: number, to_ms: number): void {
    for (const { actor, at_ms } of this.database.alarmsBetween(from_ms, to_ms)) {
      const stored = this.stored.get(actor);
      if (stored === undefined) {
        this.stored.set(actor, at_ms);
        this.schedule(actor, at_ms);
      } else if (stored < at_ms) {
        // A second, later row for one actor: a lost batch failed to delete it, or it was set
        // beyond the horizon before a nearer one. The earliest wins.
        this.database.deleteAlarm(actor, at_ms);
      }
    }
  }

  pending(): number {
    return this.alarms.size;
  }

  /** Actors whose alarm is due and waiting for a place. */
  due(): number {
    return this.ready.size;
  }

  /** How long the oldest due actor has waited for a place, in ms. */
  dueAgeMs(): number {
    const oldest = this.ready.first();
    return oldest === undefined ? 0 : performance.now() - oldest[1];
  }

  /** Stops firing alarms and waits for handlers already running. Stored alarms stay. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.load_timer !== null) clearInterval(this.load_timer);
    this.load_timer = null;
    for (const { timer } of this.alarms.values()) if (timer !== null) clearTimeout(timer);
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * Starts due handlers now, in this turn of the event loop, up to the cap (the caller must
   * not be inside a transaction). For a caller that has just made work due: the handlers'
   * first writes then join the group commit that holds that work, and the payment's rows are
   * written once instead of in two commits.
   */
  startDue(): void {
    if (this.ready.size > 0) this.pump();
  }

  private schedule(actor: string, at_ms: number): void {
    const existing = this.alarms.get(actor);
    if (existing?.timer) clearTimeout(existing.timer);
    if (this.stopped) return;
    const delay = Math.max(0, at_ms - this.now());
    if (delay === 0) {
      // Due already: no timer to wait for.
      this.alarms.set(actor, { at_ms, timer: null });
      this.run(actor, at_ms);
      return;
    }
    const timer = setTimeout(() => this.run(actor, at_ms), Math.min(delay, 2 ** 31 - 1));
    this.alarms.set(actor, { at_ms, timer });
  }

  /** A timer came due: queue the actor for a place. */
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

  private schedulePump(): void {
    if (this.pump_scheduled) return;
    this.pump_scheduled = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pump_scheduled = false;
    while (this.ready.size > 0 && this.running.size < this.handlers_max) {
      const actor = this.ready.first()![0];
      this.ready.delete(actor);
      const current = this.alarms.get(actor);
      if (!current || this.stopped) continue;
      if (current.at_ms > this.now()) {
        // Queued as due by a clock that has since gone back: wait for the time after all.
        if (current.timer === null) this.schedule(actor, current.at_ms);
        continue;
      }
      this.start(actor);
    }
    // Full: a handler that ends pumps again.
  }

  private start(actor: string): void {
    // The alarm is consumed as it fires, as on Durable Objects; the handler re-arms or
    // deletes it. The stored row stays until then: a crash mid-handler wakes the actor again.
    this.alarms.delete(actor);
    this.firing.set(actor, (this.firing.get(actor) ?? 0) + 1);
    const handled = this.fire(actor).catch((error) => {
      console.error(`alarm of actor ${actor} failed; retrying in 1 s:`, error);
      if (!this.alarms.has(actor)) this.set(actor, this.now() + 1_000);
    });
    this.running.add(handled);
    handled.finally(() => {
      this.running.delete(handled);
      const firing = (this.firing.get(actor) ?? 1) - 1;
      if (firing > 0) this.firing.set(actor, firing);
      else {
        this.firing.delete(actor);
        const alarm = this.alarms.get(actor);
        if (alarm !== undefined && this.beyondHorizon(alarm.at_ms) && !this.stopped) {
          try {
            this.park(actor, alarm.at_ms);
          } catch (error) {
            // Its timer was cleared: hold it again, as before parking was tried.
            console.error(`alarm of actor ${actor}: could not store it beyond the horizon, holding it:`, error);
            this.schedule(actor, alarm.at_ms);
          }
        }
      }
      if (this.ready.size > 0) this.schedulePump();
    });
  }
}
