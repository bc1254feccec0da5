/**
 * The actor thread's answer to a failed commit of the actor database (a full disk): pause,
 * discard what is in memory, rebuild it from disk, and resume by itself (issue 12).
 *
 * A failed COMMIT rolls back, but the actors' caches, the scheduler's alarms and the ingress
 * delivery's position are ahead of the disk, and the database commits nothing after it (see
 * actor-database.ts). So the processing that failed is closed (its running handlers finish;
 * their writes roll back, their syncs reject, nothing of them reaches Postgres, which is only
 * written after a sync) and a new one is opened from the file, paused: inspection reads it,
 * while webhooks and operators' writes are refused with 503 (storage_full when the disk is
 * full). After a backoff, and once the disk has room, processing resumes: alarms re-armed,
 * pending work woken, ingress entries taken again from the last one reported durable
 * (delivery is idempotent). A failed fsync is not this: the page cache cannot be trusted,
 * and the process still exits (actor-thread.ts).
 */
import { errorMessage, TransientError } from "../../core/errors.ts";
import { cappedBackoffMs } from "../../core/retry-policy.ts";
import { isDiskFull, StorageFullError } from "../../core/storage-full.ts";
import type { ActorProcessing } from "./actor-processing.ts";
import { fullDisk } from "./start-failure.ts";

/** Why processing is paused, as the HTTP thread and /health are told. */
export interface StoragePause {
  /** When the first failed commit of this pause happened (Date.now). */
  since_ms: number;
  disk_full: boolean;
  /** The last failed commit's error. */
  reason: string;
  /** Failed commits in a row (each one lengthens the wait before the next attempt). */
  failures: number;
}

export interface StoragePauseOptions {
  data_dir: string;
  /** Opens processing from what is on disk, calling `failed` when one of its commits fails. */
  open: (failed: (error: unknown) => void) => ActorProcessing;
  /** The newest ingress entry known durable: where a resumed delivery reads up to. */
  ingress_through: () => number;
  /** Processing paused (with why) or resumed (null). */
  report: (pause: StoragePause | null) => void;
  retry_after_s: number;
}

/** A resume that ran this long without a failed commit starts the next pause's backoff afresh. */
const HEALTHY_RUN_MS = 60_000;
/** The wait before rebuilding after a failed commit: doubling from the first, up to the most. */
const REBUILD_BACKOFF_MS_FIRST = 1_000;
const REBUILD_BACKOFF_MS_MAX = 30_000;

export class StoragePauses {
  private current: ActorProcessing;
  private ready: Promise<ActorProcessing>;
  private pause: StoragePause | null = null;
  private resumed_at_ms = 0;
  /** Failed commits since the last healthy run. */
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** Pauses since start, for the metric. */
  pauses = 0;

  constructor(private readonly options: StoragePauseOptions) {
    this.current = this.openProcessing();
    this.ready = Promise.resolve(this.current);
  }

  /** Starts processing the first time; returns how many actors were resumed. */
  start(): number {
    this.resumed_at_ms = Date.now();
    return this.current.resume(this.options.ingress_through());
  }

  /** The processing to serve a request with (after a failure, the one rebuilt from disk). */
  processing(): Promise<ActorProcessing> {
    return this.ready;
  }

  /** The latest processing opened (it may be closing): for metrics, which must not wait. */
  latest(): ActorProcessing {
    return this.current;
  }

  paused(): StoragePause | null {
    return this.pause;
  }

  /** Throws, saying why, while processing is paused: for requests that write actor storage. */
  requireWritable(): void {
    const pause = this.pause;
    if (pause === null) return;
    throw pause.disk_full
      ? new StorageFullError(`the disk holding DATA_DIR (${this.options.data_dir}) is full; the actor storage cannot commit, nothing was changed; retry later`, this.options.retry_after_s)
      : new TransientError(`the actor storage failed to commit (${pause.reason}); nothing was changed; it is rebuilt from disk and resumes by itself`);
  }

  /** Stops resuming and closes the processing. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await (await this.ready.catch(() => this.current)).close();
  }

  private openProcessing(): ActorProcessing {
    const processing: ActorProcessing = this.options.open((error) => this.failed(processing, error));
    return processing;
  }

  private failed(processing: ActorProcessing, error: unknown): void {
    if (processing !== this.current || this.closed) return;
    const now = Date.now();
    this.failures = this.pause === null && now - this.resumed_at_ms >= HEALTHY_RUN_MS ? 1 : this.failures + 1;
    this.pause = { since_ms: this.pause?.since_ms ?? now, disk_full: isDiskFull(error), reason: errorMessage(error), failures: this.failures };
    this.pauses += 1;
    console.error(
      `actor storage: a commit failed (${this.pause.reason}); processing paused, rebuilt from disk, resuming by itself` +
        (this.pause.disk_full ? ` once the disk holding DATA_DIR (${this.options.data_dir}) has room` : ""),
    );
    this.options.report(this.pause);
    this.ready = this.rebuild(processing);
    this.ready.catch(() => {});
  }

  /** Closes the processing whose commit failed and opens one from disk, paused; then schedules the resume. */
  private async rebuild(failed: ActorProcessing): Promise<ActorProcessing> {
    await failed.close().catch((error) => console.error("actor storage: closing after the failed commit:", errorMessage(error)));
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.current = this.openProcessing();
        break;
      } catch (error) {
        if (this.closed) throw error;
        console.error(`actor storage: reopening after the failed commit failed (${errorMessage(error)}); again shortly`);
        await new Promise((resolve) => setTimeout(resolve, this.backoffMs(attempt)));
      }
    }
    this.scheduleResume(this.backoffMs(this.pause?.failures ?? 1));
    return this.current;
  }

  private scheduleResume(delay_ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.resume();
    }, delay_ms);
  }

  private resume(): void {
    if (this.closed || this.pause === null) return;
    // Resuming into a disk without room would only fail the next commit again.
    if (this.pause.disk_full && fullDisk(this.options.data_dir) !== null) {
      this.scheduleResume(this.backoffMs(this.pause.failures));
      return;
    }
    const processing = this.current;
    this.pause = null;
    this.resumed_at_ms = Date.now();
    this.options.report(null);
    try {
      const resumed = processing.resume(this.options.ingress_through());
      console.error(`actor storage: processing resumed (${resumed} actors with pending work)`);
    } catch (error) {
      this.failed(processing, error);
    }
  }

  private backoffMs(failures: number): number {
    return cappedBackoffMs(failures, REBUILD_BACKOFF_MS_FIRST, REBUILD_BACKOFF_MS_MAX);
  }
}
