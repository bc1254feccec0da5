/**
 * The Bun host's actors: one instance per key in this process, each with its own rows in
 * the shared ActorDatabase and its own durable alarm. Per key, work is serialized by the
 * actor's inbox and run loop; different keys proceed independently.
 */
import type { ActorContext, HostedActor } from "../runtime.ts";
import { ActorDatabase } from "./actor-database.ts";
import { AlarmScheduler, type AlarmSchedulerOptions } from "./alarm-scheduler.ts";
import { BunActorAlarm, BunActorStorage } from "./bun-actor-storage.ts";

export interface BunActorSystemOptions extends AlarmSchedulerOptions {
  /**
   * Instances kept in memory (ACTOR_INSTANCES_MAX); idle ones beyond this are dropped (their
   * rows stay on disk, and the next message reads them back through the page cache). An idle
   * payment actor holds about 1.5 KiB of heap: 50,000 of them held 75 MiB for nothing after a
   * load of new payments.
   */
  instances_max?: number;
}

export const DEFAULT_ACTOR_INSTANCES_MAX = 10_000;
/** Instances one eviction looks at, so that a request never pays for a scan of them all. */
const EVICTION_SCAN_MAX = 1_000;

export class BunActorSystem<A extends HostedActor> {
  private readonly instances = new Map<string, A>();
  private readonly instances_max: number;
  /** The size at which the next eviction runs (above instances_max while busy ones fill it). */
  private evict_at: number;
  readonly scheduler: AlarmScheduler;

  constructor(
    readonly database: ActorDatabase,
    private readonly create: (context: ActorContext) => A,
    private readonly now: () => number = Date.now,
    options: BunActorSystemOptions = {},
  ) {
    this.instances_max = Math.max(1, options.instances_max ?? DEFAULT_ACTOR_INSTANCES_MAX);
    this.evict_at = this.instances_max;
    this.scheduler = new AlarmScheduler(database, now, (key) => this.get(key).alarm(), options);
  }

  get(key: string): A {
    let actor = this.instances.get(key);
    if (!actor) {
      actor = this.create({
        key,
        storage: new BunActorStorage(this.database, key),
        alarm: new BunActorAlarm(this.scheduler, key),
        now: this.now,
      });
      // Evicting first: the new instance, idle until its caller uses it, is never dropped.
      if (this.instances.size >= this.evict_at) this.evictIdle();
      this.instances.set(key, actor);
    }
    return actor;
  }

  /** Instances in memory. */
  size(): number {
    return this.instances.size;
  }

  /**
   * Drops the oldest idle instances, down to 90% of instances_max. Only idle ones: a second
   * instance of a key whose first is still running would break per-key serialization. An
   * instance still busy, or with an alarm, goes to the back: left at the front, the same busy
   * ones were scanned again at every new instance (10% of the actor thread at 3,000 events/s,
   * with payments waiting on alarms), and more than a scan's worth of them stopped eviction
   * altogether. When busy ones keep it above the target, the next eviction waits until as many
   * instances again are made, so each scan is paid for by that many new instances.
   */
  private evictIdle(): void {
    const target = Math.floor(this.instances_max * 0.9);
    const kept: Array<[string, A]> = [];
    let scanned = 0;
    for (const [key, actor] of this.instances) {
      if (this.instances.size <= target || scanned >= EVICTION_SCAN_MAX) break;
      scanned += 1;
      this.instances.delete(key);
      if (!actor.idle() || this.scheduler.get(key) !== null) kept.push([key, actor]);
    }
    for (const [key, actor] of kept) this.instances.set(key, actor);
    this.evict_at = Math.max(this.instances_max, this.instances.size + Math.max(1, this.instances_max - target));
  }

  /**
   * Re-arms stored alarms, then (the watchdog) wakes every actor that holds rows under one of
   * `pending_prefixes` but has no alarm: pending work must never depend on one stored row
   * having been written right. Returns how many actors were woken.
   */
  start(options: { pending_prefixes?: readonly string[] } = {}): number {
    const restored = this.scheduler.restore();
    let woken = 0;
    for (const actor of this.database.actorsWithRows(options.pending_prefixes ?? [])) {
      if (this.scheduler.get(actor) !== null) continue;
      this.scheduler.set(actor, this.now());
      woken += 1;
    }
    if (woken > 0) console.error(`watchdog: woke ${woken} actors with pending work and no stored alarm`);
    return restored + woken;
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.database.flush();
  }
}
