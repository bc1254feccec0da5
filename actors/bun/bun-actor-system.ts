/**
 * The Bun host's actors: one instance per key in this process, each with its own rows in
 * the shared ActorDatabase and its own durable alarm. Per key, work is serialized by the
 * actor's inbox and run loop; different keys proceed independently.
 */
import type { ActorContext, HostedActor } from "../runtime.ts";
import { ActorDatabase } from "./actor-database.ts";
import { AlarmScheduler } from "./alarm-scheduler.ts";
import { BunActorAlarm, BunActorStorage } from "./bun-actor-storage.ts";
import { FifoMap } from "./fifo-map.ts";

export interface BunActorSystemOptions {
  /**
   * Instances kept in memory (ACTOR_INSTANCES_MAX); idle ones beyond this are dropped (their
   * rows stay on disk, and the next message reads them back through the page cache). An idle
   * payment actor holds about 1.5 KiB of heap: 50,000 of them held 75 MiB for nothing after a
   * load of new payments.
   */
  instances_max?: number;
}

export const DEFAULT_ACTOR_INSTANCES_MAX = 10_000;
/**
 * Instances an eviction may look at for each new instance past the limit. Amortized work, so
 * that a request never pays for a scan of them all; more than one, so that the map shrinks
 * back to its limit once busy instances become idle.
 */
const EVICTION_SCANS_PER_NEW_INSTANCE = 8;
/** Unused scans carried over, at most: the most one request pays. */
const EVICTION_SCAN_CREDIT_MAX = 1_000;
/**
 * An idle instance whose alarm is due within this long is kept (it is about to run again: a
 * flush waiting for Postgres, a retry); one whose alarm is further off is dropped like any
 * idle one. Every finished payment keeps a retirement alarm for FINISHED_RETENTION_DAYS, and
 * keeping all instances with an alarm pinned each of them in memory for that long.
 */
const KEEP_IF_DUE_WITHIN_MS = 60_000;

export class BunActorSystem<A extends HostedActor> {
  private readonly instances = new FifoMap<string, A>();
  private readonly instances_max: number;
  /** How many instances eviction may still look at (see EVICTION_SCANS_PER_NEW_INSTANCE). */
  private scan_credit = 0;
  readonly scheduler: AlarmScheduler;

  constructor(
    readonly database: ActorDatabase,
    private readonly create: (context: ActorContext) => A,
    private readonly now: () => number = Date.now,
    options: BunActorSystemOptions = {},
  ) {
    this.instances_max = Math.max(1, options.instances_max ?? DEFAULT_ACTOR_INSTANCES_MAX);
    this.scheduler = new AlarmScheduler(database, now, (key) => this.get(key).alarm());
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
      if (this.instances.size >= this.instances_max) this.evictIdle();
      this.instances.add(key, actor);
    }
    return actor;
  }

  /** Instances in memory. */
  size(): number {
    return this.instances.size;
  }

  /**
   * Drops the oldest idle instances while the map is at its limit. Only idle ones: a second
   * instance of a key whose first is still running would break per-key serialization (an
   * idle instance holds nothing its storage does not, so its alarm makes a new one). An
   * instance still busy, or with an alarm due soon, goes to the back: left at the front, the same busy
   * ones were scanned again at every new instance (10% of the actor thread at 3,000 events/s,
   * with payments waiting on alarms), and more than a scan's worth of them stopped eviction
   * altogether.
   */
  private evictIdle(): void {
    this.scan_credit = Math.min(this.scan_credit + EVICTION_SCANS_PER_NEW_INSTANCE, EVICTION_SCAN_CREDIT_MAX);
    const kept: Array<[string, A]> = [];
    while (this.instances.size >= this.instances_max && this.scan_credit > 0) {
      const [key, actor] = this.instances.first()!;
      this.scan_credit -= 1;
      this.instances.delete(key);
      if (!actor.idle() || this.dueSoon(key)) kept.push([key, actor]);
    }
    for (const [key, actor] of kept) this.instances.add(key, actor);
  }

  private dueSoon(key: string): boolean {
    const at_ms = this.scheduler.get(key);
    return at_ms !== null && at_ms - this.now() <= KEEP_IF_DUE_WITHIN_MS;
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
