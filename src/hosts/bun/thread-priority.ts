/**
 * On two cores the HTTP thread, the actor thread and the sink thread compete for the CPU, and
 * the kernel shares it fairly: while processing is busy, acknowledgements queue behind it. The
 * worker threads (actor, sink, checkpoints) run at a lower priority instead, so the HTTP
 * thread is served first and processing takes the rest; the overload limit bounds how far
 * processing may fall behind. Linux only (a thread is a task in /proc/self/task, and
 * setpriority applies to one); elsewhere nothing changes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";

/**
 * Worker threads run this much nicer than the HTTP thread (0 to 19). The nicest, 19: they
 * still take every cycle the HTTP thread leaves. Measured with `npm run bench`, alternated
 * twice: bursts 10,250 and 8,105 events/s (p99 18.0 and 17.8 ms) at 19 against 8,088 and
 * 6,736 (p99 23.2 and 24.8 ms) at 10, and Postgres caught up sooner after them; at a
 * sustained 3,000 events/s, 132 and 8,144 events refused (503) against 1,563 and 15,955.
 */
export const WORKER_THREAD_NICENESS = 19;

export function lowerWorkerThreadPriority(niceness = WORKER_THREAD_NICENESS): number {
  let lowered = 0;
  let tasks: string[];
  try {
    tasks = readdirSync("/proc/self/task");
  } catch {
    return 0;
  }
  for (const task of tasks) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, "utf8").trim() !== "Worker") continue;
      setPriority(Number(task), niceness);
      lowered += 1;
    } catch {}
  }
  return lowered;
}
