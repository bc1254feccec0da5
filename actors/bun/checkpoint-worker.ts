/**
 * Runs WAL checkpoints for the actor database on its own thread and connection. A checkpoint
 * copies committed pages from the WAL into the database file and fsyncs it; done inside a
 * COMMIT on the event loop (SQLite's default autocheckpoint) it stalls every request for
 * milliseconds. PASSIVE checkpoints never block the writer.
 */
import { Database } from "bun:sqlite";

declare const self: Worker;

let database: Database | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

self.onmessage = (message: MessageEvent<{ type: "start"; path: string; interval_ms: number } | { type: "stop" }>) => {
  const data = message.data;
  if (data.type === "start") {
    database = new Database(data.path);
    database.exec("PRAGMA busy_timeout = 1000");
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
    database?.exec("PRAGMA wal_checkpoint(PASSIVE)");
    if (failing !== null) console.error("actor database checkpoint succeeds again");
    failing = null;
  } catch (error) {
    // A busy database or a failed checkpoint is retried at the next tick; nothing is lost.
    const message = (error as Error).message;
    if (message !== failing) console.error("actor database checkpoint failed (retried every tick):", message);
    failing = message;
  }
}
