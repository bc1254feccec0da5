/**
 * What every actor Durable Object shares: the ActorContext built on the object's storage and
 * alarm, the actor's key, and an alarm entry point that never throws.
 *
 * Durable Object pitfalls handled here:
 * - The key: an object does not reliably know the name it was addressed by, so the first call
 *   records it (every call carries it) and the alarm handler reads it back.
 * - Alarm retries: the runtime retries a throwing alarm handler a few times with backoff, then
 *   gives up, and the actor would stall. `runAlarm` catches everything and re-arms explicitly.
 * - A reset in the middle of the alarm handler: the object had consumed its alarm; the stored
 *   time survives, and `watchdog()` (run at construction, inside blockConcurrencyWhile so
 *   that no call runs before it) re-arms it.
 */
import type { ActorContext } from "../runtime.ts";
import type { DurableObjectStateApi } from "./durable-object-api.ts";
import { DurableObjectActorAlarm } from "./durable-object-alarm.ts";
import { DurableObjectActorStorage } from "./durable-object-storage.ts";
import { readRuntimeRow, writeRuntimeRow } from "./runtime-rows.ts";

/** How soon an alarm handler that failed is run again. */
const ALARM_RETRY_MS = 1_000;

export class ActorObjectRuntime {
  readonly storage: DurableObjectActorStorage;
  readonly alarm: DurableObjectActorAlarm;
  private key: string | null;

  constructor(
    private readonly state: DurableObjectStateApi,
    readonly now: () => number = Date.now,
    private readonly alarm_retry_ms: number = ALARM_RETRY_MS,
  ) {
    const storage = state.storage;
    this.key = readRuntimeRow(storage, "actor_key");
    const alarm_at = readRuntimeRow(storage, "alarm_at");
    this.storage = new DurableObjectActorStorage(storage);
    this.alarm = new DurableObjectActorAlarm(storage, this.storage, alarm_at === null ? null : Number(alarm_at));
    void state.blockConcurrencyWhile(() => this.watchdog());
  }

  /** The context for the actor of `key`; the first call records the key. */
  context(key: string): ActorContext {
    if (this.key === null) {
      writeRuntimeRow(this.state.storage, "actor_key", key);
      this.key = key;
    } else if (this.key !== key) {
      throw new Error(`this object holds the actor ${JSON.stringify(this.key)}, not ${JSON.stringify(key)}`);
    }
    return { key, storage: this.storage, alarm: this.alarm, now: this.now };
  }

  /** The key recorded by the first call, or null for an object never called. */
  storedKey(): string | null {
    return this.key;
  }

  /**
   * The object's `alarm()` handler: runs the actor's and never throws. A handler that fails
   * (the actor's own never should) is logged and run again after ALARM_RETRY_MS.
   */
  async runAlarm(handler: () => Promise<void>): Promise<void> {
    this.alarm.fired();
    try {
      await handler();
    } catch (error) {
      console.error(`alarm handler of actor ${this.key} failed; running it again in ${this.alarm_retry_ms} ms:`, error);
      try {
        if (this.alarm.get() === null) this.alarm.set(this.now() + this.alarm_retry_ms);
      } catch (rearm_error) {
        console.error("could not re-arm the alarm:", rearm_error);
      }
    }
  }

  /** Re-arms the stored alarm time when the object has none (its handler was cut off). */
  async watchdog(): Promise<void> {
    const stored = this.alarm.storedTime();
    if (stored === null) return;
    if ((await this.state.storage.getAlarm()) === null) await this.state.storage.setAlarm(stored);
  }
}
