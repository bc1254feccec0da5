/**
 * The Bun host (`src/hosts/bun/main.ts`) as a child process that a crash test can SIGKILL at
 * any moment and start again on the same DATA_DIR. Unlike scripts/lib/child-server.ts it does
 * not wait for readiness before returning, so a kill can land while the host is still
 * starting (opening PGlite, migrating, restoring alarms).
 *
 * Every PID started here is remembered, and `killStartedHosts()` ends only those, by PID.
 */
import type { Subprocess } from "bun";
import { join } from "node:path";
import { freePort } from "../../scripts/lib/child-server.ts";

const MAIN = join(import.meta.dir, "../../src/hosts/bun/main.ts");
const started = new Set<Subprocess>();

export interface HostProcess {
  pid: number;
  url: string;
  output(): string;
  /** True once GET /health answered 200. */
  readonly ready: boolean;
  /** ms from spawn to the first 200 from GET /health, or null. */
  readonly ready_ms: number | null;
  /** performance.now() at spawn. */
  readonly spawned_at: number;
  /** Polls GET /health until 200, the process exits, or the deadline; true when ready. */
  waitReady(timeout_ms: number): Promise<boolean>;
  /** Sends `signal` (if still running) and waits, bounded, for the exit; returns the exit code or signal. */
  stop(signal: NodeJS.Signals, timeout_ms?: number): Promise<string>;
  exited(): boolean;
}

export async function spawnHost(env: Record<string, string>): Promise<HostProcess> {
  const port = await freePort();
  let output = "";
  const child = Bun.spawn([process.execPath, "run", MAIN], {
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  started.add(child);
  void child.exited.then(() => started.delete(child));
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        output += decoder.decode(value, { stream: true });
      }
    } catch {}
  };
  void collect(child.stdout as ReadableStream<Uint8Array>);
  void collect(child.stderr as ReadableStream<Uint8Array>);
  const url = `http://127.0.0.1:${port}`;
  let ready = false;
  let ready_ms: number | null = null;
  const spawned_at = performance.now();
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid,
    url,
    output: () => output,
    get ready() {
      return ready;
    },
    get ready_ms() {
      return ready_ms;
    },
    spawned_at,
    async waitReady(timeout_ms: number) {
      const deadline = Date.now() + timeout_ms;
      while (Date.now() < deadline && !exited()) {
        try {
          const response = await fetch(url + "/health", { signal: AbortSignal.timeout(2_000) });
          await response.arrayBuffer();
          if (response.status === 200) {
            ready_ms ??= Math.round(performance.now() - spawned_at);
            ready = true;
            return true;
          }
        } catch {}
        await Bun.sleep(25);
      }
      return false;
    },
    async stop(signal: NodeJS.Signals, timeout_ms = 15_000) {
      if (!exited()) child.kill(signal);
      const done = await Promise.race([child.exited.then(() => true), Bun.sleep(timeout_ms).then(() => false)]);
      if (!done) {
        // Bounded: a host that ignores SIGTERM past the deadline is killed, and the caller is told.
        child.kill("SIGKILL");
        await child.exited;
        return `did not exit within ${timeout_ms} ms after ${signal}; killed`;
      }
      return child.signalCode !== null ? String(child.signalCode) : `exit ${child.exitCode}`;
    },
    exited,
  };
}

/** SIGKILLs every host this module started that is still running (test cleanup). */
export async function killStartedHosts(): Promise<void> {
  const running = [...started];
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  await Promise.race([Promise.allSettled(running.map((child) => child.exited)), Bun.sleep(5_000)]);
}

/** Reads one Prometheus sample value (first series of `name`), or null. */
export async function scrapeMetric(url: string, names: string[], timeout_ms = 500): Promise<Record<string, number | null>> {
  const values: Record<string, number | null> = Object.fromEntries(names.map((name) => [name, null]));
  try {
    const response = await fetch(url + "/metrics", { signal: AbortSignal.timeout(timeout_ms) });
    const text = await response.text();
    for (const name of names) {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
      if (match) values[name] = Number(match[1]);
    }
  } catch {}
  return values;
}
