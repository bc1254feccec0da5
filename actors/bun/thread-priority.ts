/**
 * On two cores the HTTP thread, the actor thread and the sink thread compete for the CPU, and
 * the kernel shares it fairly: while processing is busy, acknowledgements queue behind it. The
 * worker threads (actor, sink, checkpoints) run at a lower priority instead, so the HTTP
 * thread is served first and processing takes the rest; the overload limit bounds how far
 * processing may fall behind. Linux only (a thread is a task with its own niceness, and
 * /proc/thread-self is the calling one); elsewhere nothing changes.
 */
import { readlinkSync, writeFileSync } from "node:fs";
import { setPriority } from "node:os";

/**
 * Worker threads run this much nicer than the HTTP thread (0 to 19). The nicest, 19: they
 * still take every cycle the HTTP thread leaves. Measured with `npm run bench`, alternated
 * twice: bursts 10,250 and 8,105 events/s (p99 18.0 and 17.8 ms) at 19 against 8,088 and
 * 6,736 (p99 23.2 and 24.8 ms) at 10, and Postgres caught up sooner after them; at a
 * sustained 3,000 events/s, 132 and 8,144 events refused (503) against 1,563 and 15,955.
 */
const WORKER_THREAD_NICENESS = 19;

/**
 * Called by a worker thread on itself: names it (so per-thread CPU, in the benchmark or in
 * `top -H`, says which thread is which) and lowers its priority.
 */
export function becomeWorkerThread(name: string): void {
  try {
    writeFileSync("/proc/thread-self/comm", name.slice(0, 15));
    setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), WORKER_THREAD_NICENESS);
  } catch {}
}
