/**
 * Makes committed batches durable with fsyncs of the WAL file on the thread pool, several in
 * flight at once. An fsync covers every write made before it started, so when one completes,
 * its batches and every batch committed before them are durable, whichever fsync started
 * them: batches are answered in commit order. Letting fsyncs overlap (instead of one at a
 * time, where a batch committed just after an fsync began waits for it and then for its
 * own) takes the wait for the running fsync out of each acknowledgement's latency.
 */
export type FsyncFunction = (callback: (error: Error | null) => void) => void;

export interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface Started {
  waiters: Waiter[];
}

export class WalSyncer {
  /** Committed, waiting for an fsync slot. */
  private queued: Waiter[] = [];
  /** Fsyncs in the order they started. */
  private started: Started[] = [];
  private failed = false;
  fsyncs = 0;

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

  private startFsync(): void {
    if (this.queued.length === 0 || this.started.length >= this.in_flight_max) return;
    const started: Started = { waiters: this.queued };
    this.queued = [];
    this.started.push(started);
    this.fsyncs += 1;
    this.fsync((error) => {
      if (error) {
        this.fail(error);
        return;
      }
      // Everything that committed before this fsync began is durable now.
      const index = this.started.indexOf(started);
      for (const covered of this.started.splice(0, index + 1)) {
        for (const waiter of covered.waiters) waiter.resolve();
      }
      this.startFsync();
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
