/**
 * Runs WAL checkpoints for the actor database on its own thread and connection. A checkpoint
 * copies committed pages from the WAL into the database file and fsyncs it; done inside a
 * COMMIT on the event loop (SQLite's default autocheckpoint) it stalls every request for
 * milliseconds. PASSIVE checkpoints never block the writer.
 *
 * PASSIVE alone never lets the WAL start over while readers keep reading and the writer keeps
 * writing (a new write starts the WAL from the beginning only when everything was copied and
 * no reader still uses it): under sustained load the -wal file grew to 7.2 GB in three minutes,
 * and every page lookup searched its index from newest to oldest. So once the WAL holds more
 * than `wal_frames_max` frames, a RESTART checkpoint waits (up to the busy timeout) for the
 * readers to move to the database file, and the next commit writes the WAL from its start
 * again. The writer waits for it too, for about as long as the last PASSIVE checkpoint left to
 * copy. RESTART and not TRUNCATE: the file keeps its size (at most `journal_size_limit`, set by
 * the writer), so commits overwrite pages the kernel already has instead of growing the file
 * anew each time; measured at 2,000 events/s, twice each, alternated: TRUNCATE refused 2,098
 * and 2,931 events (503) with ack p99 50 and 80 ms, RESTART refused none with p99 30 and 32 ms.
 */
import { Database } from "bun:sqlite";
import { becomeWorkerThread } from "./thread-priority.ts";

declare const self: Worker;

becomeWorkerThread("checkpoint");

let database: Database | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

let wal_frames_max = Number.POSITIVE_INFINITY;

self.onmessage = (message: MessageEvent<{ type: "start"; path: string; interval_ms: number; wal_frames_max: number } | { type: "stop" }>) => {
  const data = message.data;
  if (data.type === "start") {
    database = new Database(data.path);
    database.exec("PRAGMA busy_timeout = 1000");
    wal_frames_max = data.wal_frames_max;
    timer = setInterval(checkpoint, data.interval_ms);
    return;
  }
  if (timer) clearInterval(timer);
  checkpoint();
  database?.close();
  database = null;
  self.postMessage({ type: "stopped" });
};

/** The last failure logged: a full disk fails every tick, and is said once. */
let failing: string | null = null;

function checkpoint(): void {
  try {
    const result = database?.query("PRAGMA wal_checkpoint(PASSIVE)").get() as { log: number } | null | undefined;
    if (result && result.log > wal_frames_max) database?.exec("PRAGMA wal_checkpoint(RESTART)");
    if (failing !== null) console.error("actor database checkpoint succeeds again");
    failing = null;
  } catch (error) {
    // A busy database or a failed checkpoint is retried at the next tick; nothing is lost.
    const message = (error as Error).message;
    if (message !== failing) console.error("actor database checkpoint failed (retried every tick):", message);
    failing = message;
  }
}
