/**
 * What the actor-host behaviour suite needs from a host (DESIGN.md section 3, STYLE.md
 * section 6). A host runs the suite's actors (`suite-actors.ts`: the probe actor and the real
 * payment actor) behind its own implementation of `actors/runtime.ts`, and answers the
 * suite's requests. Everything crossing this interface is JSON, so a host may sit behind
 * RPC or HTTP: the Bun runner calls the actors in-process, the workerd runner forwards
 * each call to a Durable Object.
 */
import type { PaymentRequest } from "./suite-actors.ts";
import type { ProbeRequest } from "./probe-actor.ts";

/** The actors every host registers (one Durable Object class each on workerd). */
export interface SuiteRequests {
  probe: ProbeRequest;
  payment: PaymentRequest;
}
export type SuiteActorKind = keyof SuiteRequests;

export interface HostStartOptions {
  /** Where the host keeps its storage; a fresh temporary place when omitted. */
  directory?: string;
}

export interface HostFactory {
  start(options?: HostStartOptions): Promise<TestHost>;
}

export interface TestHost {
  /**
   * Sends one request to the actor `kind` with key `key` (created on first use) and resolves
   * with its JSON answer; for a message that answer is the acknowledgement. A call that is
   * in flight when the host restarts may reject or never be answered; an answered call is
   * final.
   */
  call<K extends SuiteActorKind>(kind: K, key: string, request: SuiteRequests[K]): Promise<unknown>;
  /** Lets `ms` of actor time pass (hosts on a real clock sleep), so alarms can fire. */
  elapse(ms: number): Promise<void>;
  /** The actors' clock, for a host whose clock is not the wall clock; absent: `Date.now()`. */
  now?(): number;
  /**
   * Restarts abruptly on the same storage, as a process crash would: no handler of the old
   * instance runs another step, writes that were not yet durable are lost, and durable ones
   * (everything acknowledged) remain. Resolves once the new instance accepts calls and has
   * re-armed its stored alarms.
   */
  restart(): Promise<void>;
  /** Stops gracefully and releases the storage (removing it if the host created it). */
  stop(): Promise<void>;
}
