/**
 * The HTTP thread's handle on the actor thread (actor-thread-worker.ts): calls with answers,
 * notices without, and the thread's reports (ingress entries delivered, a storage failure).
 *
 * A failed commit of the actor database (a full disk) pauses processing while the thread
 * rebuilds from disk and resumes by itself (storage-pause.ts); the HTTP thread is told, and
 * refuses webhooks meanwhile. If the thread reports a failed fsync or dies, the process exits
 * (code 70): nothing it holds can be trusted, and the restart rebuilds from what is on disk.
 */
import type { Durability } from "../../../actors/bun/actor-database.ts";
import { PermanentError, TransientError } from "../../core/errors.ts";
import { StorageFullError } from "../../core/storage-full.ts";
import type { SinkReaderPort } from "../../http/ports.ts";
import type { ActorThreadMessage, ActorThreadNotice, ActorThreadRequest, ActorThreadResults } from "./actor-thread-protocol.ts";
import type { BunHostConfig } from "./config.ts";
import type { StoragePause } from "./storage-pause.ts";

/** Every call is answered or fails within this. */
const CALL_TIMEOUT_MS = 30_000;
const EXIT_CODE_STORAGE_FAILURE = 70;

type Waiter = { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> };

function exitOnFailure(reason: string): void {
  console.error(`actor thread: ${reason}; exiting so that the restart rebuilds from disk`);
  process.exit(EXIT_CODE_STORAGE_FAILURE);
}

export interface ActorThreadOptions {
  durability: Durability;
  ingress_through: number;
  /** The watermark the HTTP thread read from the actors' database: delivery goes on after it. */
  ingress_delivered_through: number;
  /** The installation id ingress.sqlite carries, or null when it has none yet. */
  ingress_installation_id: string | null;
  /** The actor thread holds every ingress entry up to `sequence` durably. */
  on_ingress_delivered: (sequence: number) => void;
  /** Processing paused after a failed commit (why), or resumed (null). */
  on_storage_paused: (pause: StoragePause | null) => void;
  /** Retry-After of a 503 storage_full. */
  storage_full_retry_after_s: number;
}

export class ActorThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Waiter>();
  private next_id = 1;
  private stopping = false;

  private constructor(private readonly options: ActorThreadOptions) {
    this.worker = new Worker(new URL("./actor-thread-worker.ts", import.meta.url));
    this.worker.onmessage = (message: MessageEvent<ActorThreadMessage>) => this.answer(message.data);
    this.worker.onerror = (event) => exitOnFailure(`the actor thread failed: ${event.message}`);
    this.worker.addEventListener("close", () => {
      if (!this.stopping) exitOnFailure("the actor thread stopped unexpectedly");
    });
  }

  static async start(config: BunHostConfig, options: ActorThreadOptions) {
    const thread = new ActorThread(options);
    const opened = await thread.call({
      method: "open",
      config,
      durability: options.durability,
      ingress_through: options.ingress_through,
      ingress_delivered_through: options.ingress_delivered_through,
      ingress_installation_id: options.ingress_installation_id,
    });
    return { thread, ...opened };
  }

  call<M extends ActorThreadRequest["method"]>(request: Extract<ActorThreadRequest, { method: M }>): Promise<ActorThreadResults[M]> {
    const id = this.next_id++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TransientError(`the actor thread did not answer ${request.method} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.worker.postMessage({ id, request });
    });
  }

  notify(notice: ActorThreadNotice): void {
    this.worker.postMessage(notice);
  }

  get sink(): SinkReaderPort {
    return {
      listDeadLetters: (filter) => this.call({ method: "listDeadLetters", filter }),
      ledgerAccounts: (currency) => this.call({ method: "ledgerAccounts", currency }),
    };
  }

  /** Lets running work finish, closes storage and Postgres, and ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.call({ method: "stop" }).catch((error) => console.error("actor thread: stop failed:", error));
    this.worker.terminate();
  }

  private answer(message: ActorThreadMessage): void {
    if ("fatal" in message) {
      exitOnFailure(`an fsync of the actor database failed (${message.fatal})`);
      return;
    }
    if ("storage_paused" in message) {
      this.options.on_storage_paused(message.storage_paused);
      return;
    }
    if ("ingress_delivered" in message) {
      this.options.on_ingress_delivered(message.ingress_delivered);
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.ok) waiter.resolve(message.value);
    else if (message.error_class === "StorageFullError") waiter.reject(new StorageFullError(message.error_message, this.options.storage_full_retry_after_s));
    else waiter.reject(new (message.error_class === "PermanentError" ? PermanentError : TransientError)(message.error_message));
  }
}
