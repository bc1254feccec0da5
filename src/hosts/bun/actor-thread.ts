/**
 * The HTTP thread's handle on the actor thread (actor-thread-worker.ts). Acceptances made in
 * one turn of the event loop travel together, as one message each way.
 *
 * If the actor thread reports a failed commit or dies, the process exits (code 70): the
 * thread's caches hold writes the disk may not, and the restart rebuilds from what is on
 * disk, as a failed commit always did on this host.
 */
import type { Durability } from "../../../actors/bun/actor-database.ts";
import { PermanentError, TransientError } from "../../core/errors.ts";
import type { AcceptOutcome, PaymentActorsPort, SinkReaderPort } from "../../http/ports.ts";
import type { AcceptRequest, ActorThreadMessage, ActorThreadRequest, ActorThreadResults } from "./actor-thread-protocol.ts";
import type { BunHostConfig } from "./config.ts";

/** Every call is answered or fails within this; acceptance is idempotent, so a retry is safe. */
const CALL_TIMEOUT_MS = 30_000;
const EXIT_CODE_STORAGE_FAILURE = 70;

type Waiter = { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> };
type PendingAccept = AcceptRequest & { resolve: (outcome: AcceptOutcome) => void; reject: (error: Error) => void };

function exitOnFailure(reason: string): void {
  console.error(`actor thread: ${reason}; exiting so that the restart rebuilds from disk`);
  process.exit(EXIT_CODE_STORAGE_FAILURE);
}

export class ActorThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Waiter>();
  private next_id = 1;
  private accepts: PendingAccept[] = [];
  private accepts_scheduled = false;
  private stopping = false;

  private constructor(private readonly on_failure: (reason: string) => void) {
    this.worker = new Worker(new URL("./actor-thread-worker.ts", import.meta.url));
    this.worker.onmessage = (message: MessageEvent<ActorThreadMessage>) => this.answer(message.data);
    this.worker.onerror = (event) => this.on_failure(`the actor thread failed: ${event.message}`);
    this.worker.addEventListener("close", () => {
      if (!this.stopping) this.on_failure("the actor thread stopped unexpectedly");
    });
  }

  static async start(config: BunHostConfig, options: { durability: Durability; on_failure?: (reason: string) => void }) {
    const thread = new ActorThread(options.on_failure ?? exitOnFailure);
    const opened = await thread.call({ method: "open", config, durability: options.durability });
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

  /** Resolves once the event is durable in its actor's inbox (or known as a duplicate). */
  accept(request: AcceptRequest): Promise<AcceptOutcome> {
    return new Promise((resolve, reject) => {
      this.accepts.push({ ...request, resolve, reject });
      if (this.accepts_scheduled) return;
      this.accepts_scheduled = true;
      setImmediate(() => this.sendAccepts());
    });
  }

  get actors(): PaymentActorsPort {
    return {
      accept: (event, source) => this.accept({ event, source }),
      inspect: (payment_id) => this.call({ method: "inspect", payment_id }),
      replay: (payment_id, event_id) => this.call({ method: "replay", payment_id, event_id }),
      discard: (payment_id, event_id) => this.call({ method: "discard", payment_id, event_id }),
      overrideFraud: (payment_id, decision, note) => this.call({ method: "overrideFraud", payment_id, decision, note }),
    };
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
    this.sendAccepts();
    await this.call({ method: "stop" }).catch((error) => console.error("actor thread: stop failed:", error));
    this.worker.terminate();
  }

  private sendAccepts(): void {
    this.accepts_scheduled = false;
    const batch = this.accepts;
    if (batch.length === 0) return;
    this.accepts = [];
    this.call({ method: "accept", batch: batch.map(({ event, source }) => ({ event, source })) }).then(
      (outcomes) => outcomes.forEach((outcome, index) => batch[index]!.resolve(outcome)),
      (error: Error) => batch.forEach((pending) => pending.reject(error)),
    );
  }

  private answer(message: ActorThreadMessage): void {
    if ("fatal" in message) {
      this.on_failure(`a commit or its fsync failed (${message.fatal})`);
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new (message.error_class === "PermanentError" ? PermanentError : TransientError)(message.error_message));
  }
}
