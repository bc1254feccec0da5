/**
 * The actor thread's handle on the sink thread (sink-thread-worker.ts): requests and replies.
 * A call never hangs: it times out, and a thread that died is started again on the next
 * call. Failures reach the actors as transient: their flushes retry with backoff, and the
 * writes are idempotent, so a write that timed out but landed is harmless when retried.
 */
import { PermanentError, TransientError } from "../../core/errors.ts";
import { SinkBatcher } from "../../sink/batcher.ts";
import type { SinkOpenOptions } from "../../sink/open-sink.ts";
import type { SinkRequest, SinkResponse, SinkResults } from "./sink-thread-protocol.ts";

const CALL_TIMEOUT_MS = 60_000;

/**
 * How long a sink batch that is not full waits for more rows. Each batch has a fixed cost,
 * and under sustained load batches that left at once held a few dozen events: at 2,000
 * events/s the sink thread spent 202 and 245 µs an event with none, 172 and 167 with 25 ms,
 * 155 with 50 ms (PGlite, when a batch was a transaction of about six statements). 25 ms is a
 * small part of the time to Postgres that the benchmark's bar allows.
 */
const SINK_LINGER_MS = 25;

/** The actor thread's batcher in front of the sink thread: one batch in flight at a time. */
export function sinkBatcher(sink: SinkThread, batch_rows_max: number): SinkBatcher {
  return new SinkBatcher({ write: (rows) => sink.call({ method: "write", rows_json: JSON.stringify(rows) }), writers_max: 1, batch_rows_max, linger_ms: SINK_LINGER_MS });
}

type Waiter = { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> };

export class SinkThread {
  private worker: Worker | null = null;
  private opened: Promise<unknown> | null = null;
  private readonly pending = new Map<number, Waiter>();
  private next_id = 1;
  private closed = false;

  private constructor(private readonly config: SinkOpenOptions) {}

  static async start(config: SinkOpenOptions): Promise<{ thread: SinkThread; migration: SinkResults["open"] }> {
    const thread = new SinkThread(config);
    const migration = (await thread.ensureStarted()) as SinkResults["open"];
    return { thread, migration };
  }

  async call<M extends SinkRequest["method"]>(request: Extract<SinkRequest, { method: M }>): Promise<SinkResults[M]> {
    if (this.closed) throw new TransientError("the sink thread is closed");
    await this.ensureStarted();
    return this.send(request) as Promise<SinkResults[M]>;
  }

  async close(): Promise<void> {
    if (this.worker && !this.closed) await this.send({ method: "close" }).catch(() => {});
    this.closed = true;
    this.worker?.terminate();
    this.worker = null;
  }

  /** Starts the thread (again, after it died) and opens the sink in it. */
  private ensureStarted(): Promise<unknown> {
    if (this.opened) return this.opened;
    const worker = new Worker(new URL("./sink-thread-worker.ts", import.meta.url));
    this.worker = worker;
    worker.onmessage = (message: MessageEvent<SinkResponse>) => this.answer(message.data);
    worker.onerror = (event) => {
      console.error(`sink thread failed (${event.message}); it starts again on the next call`);
      this.fail(new TransientError(`sink thread failed: ${event.message}`));
      if (this.worker === worker) {
        this.worker = null;
        this.opened = null;
      }
      worker.terminate();
    };
    this.opened = this.send({ method: "open", config: this.config }).catch((error) => {
      this.opened = null;
      throw error;
    });
    return this.opened;
  }

  private send(request: SinkRequest): Promise<unknown> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new TransientError("the sink thread is not running"));
    const id = this.next_id++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TransientError(`the sink thread did not answer ${request.method} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, request });
    });
  }

  private answer(response: SinkResponse): void {
    const waiter = this.pending.get(response.id);
    if (!waiter) return;
    this.pending.delete(response.id);
    clearTimeout(waiter.timer);
    if (response.ok) waiter.resolve(response.value);
    else waiter.reject(new (response.error_class === "PermanentError" ? PermanentError : TransientError)(response.error_message));
  }

  private fail(error: Error): void {
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.pending.clear();
  }
}
