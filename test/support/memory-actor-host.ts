/**
 * An in-memory implementation of `actors/runtime.ts` with an injected clock: storage in a Map,
 * one alarm per key, and a clock that moves only when told (`advance`). It keeps the runtime's
 * guarantees, so the actor-host suite runs on it beside Bun and workerd in milliseconds:
 *
 * - A write is durable once a `sync()` made after it has resolved (a group commit one task
 *   later); `crash()` keeps only durable writes, as a process crash would.
 * - `transaction(fn)` undoes every write of `fn` if it throws.
 * - An alarm fires at or after its time on the clock: when it is already due, one task after it
 *   is set; else when `advance` passes it. Its handler never runs twice at once for one key.
 * - After `crash()` no handler of the old incarnation runs another storage step: its calls throw.
 */
import type { ActorAlarm, ActorContext, ActorStorage, HostedActor } from "../../actors/runtime.ts";

type Write = { key: string; value: unknown } | { key: string; deleted: true };
const ALARM_KEY = "\u0000alarm";

/** What survives a crash: every write a resolved sync() covered. */
class DurableStore {
  readonly entries = new Map<string, unknown>();
  apply(writes: readonly Write[]): void {
    for (const write of writes) {
      if ("deleted" in write) this.entries.delete(write.key);
      else this.entries.set(write.key, write.value);
    }
  }
}

/** One key's storage and alarm in one incarnation of the host. */
class MemoryActorStorage implements ActorStorage {
  private readonly live: Map<string, unknown>;
  private pending: Write[] = [];
  private undo: Array<() => void> | null = null;

  constructor(
    private readonly durable: DurableStore,
    private readonly incarnation: { crashed: boolean },
    private readonly onAlarmSet: () => void,
  ) {
    this.live = new Map(durable.entries);
  }

  get<T>(key: string): T | undefined {
    this.check();
    const value = this.live.get(key);
    return value === undefined ? undefined : (structuredClone(value) as T);
  }

  put(key: string, value: unknown): void {
    this.write({ key, value: structuredClone(value) });
  }

  delete(key: string): void {
    this.write({ key, deleted: true });
  }

  list<T>(options: { prefix: string; after?: string; limit: number }): Array<[string, T]> {
    this.check();
    return [...this.live.keys()]
      .filter((key) => key !== ALARM_KEY && key.startsWith(options.prefix) && (options.after === undefined || key > options.after))
      .sort()
      .slice(0, options.limit)
      .map((key) => [key, structuredClone(this.live.get(key)) as T]);
  }

  transaction<T>(fn: () => T): T {
    this.check();
    if (this.undo !== null) throw new Error("transactions do not nest");
    const undo: Array<() => void> = [];
    const pending_before = this.pending.length;
    this.undo = undo;
    try {
      return fn();
    } catch (error) {
      for (const step of undo.reverse()) step();
      this.pending.length = pending_before;
      throw error;
    } finally {
      this.undo = null;
    }
  }

  async sync(): Promise<void> {
    this.check();
    const writes = this.pending;
    this.pending = [];
    // A group commit one task later: a crash before it loses these writes.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.check();
    this.durable.apply(writes);
  }

  // ActorAlarm: kept in storage like any write, so it is durable on the same terms.
  getAlarm(): number | null {
    return this.get<number>(ALARM_KEY) ?? null;
  }
  setAlarm(at_ms: number): void {
    this.put(ALARM_KEY, at_ms);
    this.onAlarmSet();
  }
  deleteAlarm(): void {
    this.delete(ALARM_KEY);
  }

  private write(write: Write): void {
    this.check();
    const had = this.live.has(write.key);
    const previous = this.live.get(write.key);
    if (this.undo !== null) this.undo.push(() => (had ? this.live.set(write.key, previous) : this.live.delete(write.key)));
    if ("deleted" in write) this.live.delete(write.key);
    else this.live.set(write.key, write.value);
    this.pending.push(write);
  }

  private check(): void {
    if (this.incarnation.crashed) throw new Error("the host crashed: this instance is gone");
  }
}

interface Running<A extends HostedActor> {
  actor: A;
  storage: MemoryActorStorage;
  alarm_running: boolean;
}

/** Actors by key on one clock; `crash()` starts a new incarnation on the durable writes. */
export class MemoryActorHost<A extends HostedActor> {
  private readonly stores = new Map<string, DurableStore>();
  private incarnation = { crashed: false };
  private actors = new Map<string, Running<A>>();
  private pump_scheduled = false;
  private now_ms: number;

  constructor(
    private readonly create: (context: ActorContext) => A,
    start_ms = 1_767_225_600_000,
  ) {
    this.now_ms = start_ms;
  }

  now(): number {
    return this.now_ms;
  }

  /** The actor for `key`, created on first use (in this incarnation). */
  get(key: string): A {
    return this.running(key).actor;
  }

  /**
   * Moves the clock on and fires every alarm it passed. Resolves one task later, not after the
   * handlers: a handler may await real work (a timer) that a caller polling in a loop of
   * microtasks would otherwise starve.
   */
  async advance(ms: number): Promise<void> {
    this.now_ms += ms;
    void this.fireDue();
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }

  /** As a process crash: every write not yet synced is lost, no old handler takes another step. */
  crash(): void {
    this.incarnation.crashed = true;
    this.incarnation = { crashed: false };
    this.actors = new Map();
    // Alarms stored durably fire in the new incarnation, as after a restart.
    for (const key of this.stores.keys()) this.running(key);
    this.schedulePump();
  }

  private running(key: string): Running<A> {
    let running = this.actors.get(key);
    if (running !== undefined) return running;
    let durable = this.stores.get(key);
    if (durable === undefined) this.stores.set(key, (durable = new DurableStore()));
    const storage = new MemoryActorStorage(durable, this.incarnation, () => this.schedulePump());
    const alarm: ActorAlarm = { get: () => storage.getAlarm(), set: (at_ms) => storage.setAlarm(at_ms), delete: () => storage.deleteAlarm() };
    const actor = this.create({ key, storage, alarm, now: () => this.now_ms });
    running = { actor, storage, alarm_running: false };
    this.actors.set(key, running);
    return running;
  }

  private schedulePump(): void {
    if (this.pump_scheduled) return;
    this.pump_scheduled = true;
    setTimeout(() => {
      this.pump_scheduled = false;
      void this.fireDue();
    }, 0);
  }

  private async fireDue(): Promise<void> {
    const incarnation = this.incarnation;
    const due = [...this.actors.values()].filter((running) => {
      const at = running.storage.getAlarm();
      return !running.alarm_running && at !== null && at <= this.now_ms;
    });
    await Promise.all(
      due.map(async (running) => {
        running.alarm_running = true;
        // The alarm is spent as its handler starts; the handler may set the next one.
        running.storage.deleteAlarm();
        try {
          await running.actor.alarm();
        } catch {
          // A handler of a crashed incarnation fails on its storage; a live one never throws.
        } finally {
          running.alarm_running = false;
        }
        if (!incarnation.crashed && running.storage.getAlarm() !== null) this.schedulePump();
      }),
    );
  }
}
