/** ActorStorage for one actor, as rows of the shared ActorDatabase. Values are JSON. */
import type { ActorAlarm, ActorStorage } from "../runtime.ts";
import type { ActorDatabase } from "./actor-database.ts";
import type { AlarmScheduler } from "./alarm-scheduler.ts";

export class BunActorStorage implements ActorStorage {
  constructor(
    private readonly database: ActorDatabase,
    private readonly actor: string,
  ) {}

  get<T>(key: string): T | undefined {
    const value = this.database.get(this.actor, key);
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  put(key: string, value: unknown): void {
    this.database.put(this.actor, key, JSON.stringify(value));
  }

  delete(key: string): void {
    this.database.delete(this.actor, key);
  }

  list<T>(options: { prefix: string; after?: string; limit: number }): Array<[string, T]> {
    return this.database
      .list(this.actor, options.prefix, options.after, options.limit)
      .map((row) => [row.key, JSON.parse(row.value) as T]);
  }

  transaction<T>(fn: () => T): T {
    return this.database.transaction(fn);
  }

  sync(): Promise<void> {
    return this.database.sync();
  }
}

export class BunActorAlarm implements ActorAlarm {
  constructor(
    private readonly scheduler: AlarmScheduler,
    private readonly actor: string,
  ) {}

  get(): number | null {
    return this.scheduler.get(this.actor);
  }

  set(at_ms: number): void {
    this.scheduler.set(this.actor, at_ms);
  }

  delete(): void {
    this.scheduler.delete(this.actor);
  }
}
