/**
 * ActorAlarm on a Durable Object's one alarm. `get()` must be synchronous, but the object's
 * `getAlarm()` is not, so the time is also kept in a row of the object's SQLite database
 * (table `actor_runtime`), written in the same transaction as the change that set it.
 *
 * - The object's `setAlarm`/`deleteAlarm` are called without awaiting: they are storage writes,
 *   coalesced with the others and covered by the output gate. They are sent only once the
 *   transaction that asked for them commits (the alarm is not part of the rollback), and only
 *   when the time actually changes.
 * - As on Durable Objects, the alarm is consumed when its handler starts (`fired()`): `get()`
 *   answers null until the handler sets a new time. The stored row keeps the old time until
 *   then, so an object reset in the middle of its handler is woken again (see
 *   ActorObjectRuntime.watchdog).
 */
import type { ActorAlarm } from "../runtime.ts";
import type { DurableObjectStorageApi } from "./durable-object-api.ts";
import type { DurableObjectActorStorage } from "./durable-object-storage.ts";
import { writeRuntimeRow } from "./runtime-rows.ts";

export class DurableObjectActorAlarm implements ActorAlarm {
  /** What get() answers. */
  private current: number | null;
  /** The time in the stored row. */
  private stored: number | null;
  /** The time last sent to the object's alarm; undefined when not known. */
  private armed: number | null | undefined = undefined;

  constructor(
    private readonly storage: DurableObjectStorageApi,
    private readonly actor_storage: DurableObjectActorStorage,
    stored: number | null,
  ) {
    this.current = stored;
    this.stored = stored;
  }

  get(): number | null {
    return this.current;
  }

  set(at_ms: number): void {
    this.change(Math.round(at_ms));
  }

  delete(): void {
    this.change(null);
  }

  /** The object started the alarm handler: its alarm is consumed. */
  fired(): void {
    this.current = null;
    this.armed = null;
  }

  /** The time in the stored row (null when no work was scheduled). */
  storedTime(): number | null {
    return this.stored;
  }

  private change(at_ms: number | null): void {
    const before = { current: this.current, stored: this.stored };
    this.current = at_ms;
    if (this.stored !== at_ms) {
      writeRuntimeRow(this.storage, "alarm_at", at_ms === null ? null : String(at_ms));
      this.stored = at_ms;
    }
    this.actor_storage.afterCommit(
      () => this.reconcile(),
      () => {
        this.current = before.current;
        this.stored = before.stored;
      },
    );
  }

  /** Brings the object's alarm to `current`. */
  private reconcile(): void {
    if (this.armed === this.current) return;
    this.armed = this.current;
    const request = this.current === null ? this.storage.deleteAlarm() : this.storage.setAlarm(this.current);
    // A failed storage write breaks the output gate and resets the object; nothing to add here.
    request.catch((error: unknown) => console.error("durable object alarm write failed:", error));
  }
}
