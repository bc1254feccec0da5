/**
 * The actor-host suite on the Bun host: ActorDatabase (one bun:sqlite file, group commit) and
 * BunActorSystem, in this process. A restart is a simulated process crash: the open
 * group-commit batch is rolled back (what SQLite recovery does to an uncommitted transaction),
 * the connection is closed with its statements, and no handler of the old system answers or
 * runs another storage step. Committed batches count as durable (a process crash, not a power
 * cut). A real SIGKILL of a child process gave the same results for the restart cases.
 */
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorDatabase } from "../../actors/bun/actor-database.ts";
import { BunActorSystem } from "../../actors/bun/bun-actor-system.ts";
import { createSuiteActor, runActorHostSuite, type HostFactory, type SuiteActor, type SuiteActorKind } from "../suite/index.ts";

function openSystem(directory: string) {
  // A simulated crash closes the database under a pending commit; in a real crash the process
  // is gone by then, so that failure is not the fatal one the host would exit on.
  const database = new ActorDatabase({ path: join(directory, "actors.sqlite"), on_durability_failure: () => {} });
  let crashed = false;
  // After the crash an old handler's promise never settles: the process it ran in is gone.
  const alive = <T>(work: Promise<T>) =>
    new Promise<T>((resolve, reject) =>
      work.then((value) => !crashed && resolve(value), (error) => !crashed && reject(error)),
    );
  const system = new BunActorSystem<SuiteActor>(database, (context) => {
    const slash = context.key.indexOf("/");
    const actor = createSuiteActor(context.key.slice(0, slash) as SuiteActorKind, { ...context, key: context.key.slice(slash + 1) });
    return { handle: (request) => alive(actor.handle(request)), alarm: () => alive(actor.alarm()), idle: () => actor.idle() };
  });
  system.start();
  return {
    call: (kind: SuiteActorKind, key: string, request: unknown) =>
      system.get(`${kind}/${key}`).handle(request as never).then((answer) => structuredClone(answer)),
    crash() {
      crashed = true;
      void system.scheduler.stop();
      if (database.db.inTransaction) database.db.exec("ROLLBACK");
      database.db.close(true);
      // A crash ends every thread of the process, the checkpoint thread included.
      (database as unknown as { checkpointer?: Worker }).checkpointer?.terminate();
    },
    async stop() {
      await system.stop();
      database.close();
    },
  };
}

// Removed at the end: ActorDatabase.close() ends its checkpoint thread without waiting for it.
const created: string[] = [];
afterAll(() => {
  for (const directory of created) rmSync(directory, { recursive: true, force: true });
});

const bunHost: HostFactory = {
  async start(options = {}) {
    const directory = options.directory ?? mkdtempSync(join(tmpdir(), "actor-host-suite-"));
    if (options.directory === undefined) created.push(directory);
    let system = openSystem(directory);
    return {
      call: (kind, key, request) => system.call(kind, key, request),
      elapse: (ms) => Bun.sleep(ms),
      async restart() {
        system.crash();
        system = openSystem(directory);
      },
      stop: () => system.stop(),
    };
  },
};

runActorHostSuite("actor host: Bun (bun:sqlite, group commit)", bunHost);
