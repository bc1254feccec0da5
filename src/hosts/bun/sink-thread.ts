/** The main thread's handle on the sink thread (sink-thread-worker.ts): requests and replies. */
import { PermanentError, TransientError } from "../../core/errors.ts";
import type { SinkConfig } from "../../sink/open-sink.ts";
import type { SinkRequest, SinkResponse, SinkResults } from "./sink-thread-protocol.ts";

export class SinkThread {
  private readonly worker = new Worker(new URL("./sink-thread-worker.ts", import.meta.url));
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private next_id = 1;

  private constructor() {
    this.worker.onmessage = (message: MessageEvent<SinkResponse>) => {
      const response = message.data;
      const waiter = this.pending.get(response.id);
      if (!waiter) return;
      this.pending.delete(response.id);
      if (response.ok) waiter.resolve(response.value);
      // Postgres failures reach the actor as transient: its flush retries with backoff.
      else waiter.reject(new (response.error_class === "PermanentError" ? PermanentError : TransientError)(response.error_message));
    };
    this.worker.onerror = (event) => {
      const error = new TransientError(`sink thread failed: ${event.message}`);
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
  }

  static async start(config: SinkConfig): Promise<{ thread: SinkThread; migration: SinkResults["open"] }> {
    const thread = new SinkThread();
    const migration = await thread.call({ method: "open", config });
    return { thread, migration };
  }

  call<M extends SinkRequest["method"]>(request: Extract<SinkRequest, { method: M }>): Promise<SinkResults[M]> {
    const id = this.next_id++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, request });
    });
  }

  async close(): Promise<void> {
    await this.call({ method: "close" });
    this.worker.terminate();
  }
}
