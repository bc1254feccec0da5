/**
 * The actor-host suite on the in-memory host (test/support/memory-actor-host.ts): storage in a
 * Map, one alarm per key, and a clock that moves only when the suite lets time pass, so alarms
 * fire without sleeping. A restart is a crash: writes no resolved sync() covered are lost.
 */
import { MemoryActorHost } from "../support/memory-actor-host.ts";
import { createSuiteActor, runActorHostSuite, type HostFactory, type SuiteActor, type SuiteActorKind } from "../suite/index.ts";

const memoryHost: HostFactory = {
  async start() {
    // The calls in flight in this incarnation: a crash rejects them (the contract allows a
    // call cut off by a restart to reject or go unanswered), and their handlers' later steps fail.
    let in_flight = new Set<(error: Error) => void>();
    const host = new MemoryActorHost<SuiteActor>((context) => {
      const slash = context.key.indexOf("/");
      const actor = createSuiteActor(context.key.slice(0, slash) as SuiteActorKind, { ...context, key: context.key.slice(slash + 1) });
      const calls = in_flight;
      const alive = <T>(work: Promise<T>) =>
        new Promise<T>((resolve, reject) => {
          calls.add(reject);
          work.then(resolve, reject).finally(() => calls.delete(reject));
        });
      return { handle: (request) => alive(actor.handle(request as never)), alarm: () => alive(actor.alarm()), idle: () => actor.idle() };
    });
    return {
      call: async (kind, key, request) => structuredClone(await host.get(`${kind}/${key}`).handle(request as never)),
      elapse: (ms) => host.advance(ms),
      now: () => host.now(),
      async restart() {
        const cut_off = in_flight;
        in_flight = new Set();
        host.crash();
        for (const reject of cut_off) reject(new Error("the host crashed while this call was in flight"));
      },
      async stop() {},
    };
  },
};

runActorHostSuite("actor host: in memory (injected clock)", memoryHost);
