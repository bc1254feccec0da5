/**
 * Makes committed batches durable with fsyncs of the WAL file on the thread pool, several in
 * flight at once: a batch waits for its own fsync only, not also for one that was already
 * running when it committed.
 *
 * A batch is answered once an fsync that started after its commit succeeded AND every fsync
 * started before that one succeeded too: answers go strictly in start order. A later fsync is
 * not trusted to vouch for an earlier one's data, because Linux reports a write-back error
 * to only one of the fsyncs that share a file descriptor: the failing one may still be
 * running while a later one returns success.
 */
export type FsyncFunction = (callback: (error: Error | null) => void) => void;

export interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface Started {
  waiters: Waiter[];
  succeeded: boolean;
}

export class WalSyncer {
  /** Committed, waiting for an fsync slot. */
  private queued: Waiter[] = [];
  /** Fsyncs in the order they started, until they and all before them succeeded. */
  private started: Started[] = [];
  /** Fsync calls not yet returned; an entry of `started` may outlive its call. */
  private in_flight = 0;
  private failed = false;
  private idle_waiters: Array<() => void> = [];

  constructor(
    private readonly fsync: FsyncFunction,
    private readonly on_failure: (error: unknown) => void,
    private readonly in_flight_max = 4,
  ) {}

  /** A batch has committed; `waiter` is answered once it is durable. */
  committed(waiter: Waiter): void {
    if (this.failed) {
      waiter.reject(new Error("an earlier fsync of the WAL failed"));
      return;
    }
    this.queued.push(waiter);
    this.startFsync();
  }

  /** Batches committed and not yet durable. */
  pending(): number {
    return this.queued.length + this.started.reduce((total, started) => total + started.waiters.length, 0);
  }

  /** Resolves once no fsync call is running (before the file descriptor may be closed). */
  idle(): Promise<void> {
    if (this.in_flight === 0 && this.queued.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle_waiters.push(resolve));
  }

  private startFsync(): void {
    if (this.queued.length === 0 || this.in_flight >= this.in_flight_max || this.failed) return;
    const started: Started = { waiters: this.queued, succeeded: false };
    this.queued = [];
    this.started.push(started);
    this.in_flight += 1;
    this.fsync((error) => {
      this.in_flight -= 1;
      if (error) this.fail(error);
      else {
        started.succeeded = true;
        while (this.started[0]?.succeeded) {
          for (const waiter of this.started.shift()!.waiters) waiter.resolve();
        }
        this.startFsync();
      }
      if (this.in_flight === 0 && this.queued.length === 0) {
        for (const resolve of this.idle_waiters.splice(0)) resolve();
      }
    });
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const waiters = [...this.started.flatMap((started) => started.waiters), ...this.queued];
    this.started = [];
    this.queued = [];
    for (const waiter of waiters) waiter.reject(error);
    this.on_failure(error);
  }
}
