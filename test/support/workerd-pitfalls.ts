/** Starts the pitfalls test Worker (workerd-pitfalls-worker.ts) once per test file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PermanentError, TransientError } from "../../src/core/errors.ts";
import { bundleWorker } from "./workerd-build.ts";
import { startWorkerd, type WorkerdInstance } from "./workerd-miniflare.ts";

export interface PitfallsWorker {
  workerd: WorkerdInstance;
  call<T = any>(key: string, method: string, ...args: unknown[]): Promise<T>;
  observe(observations: unknown[], now_ms: number): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startPitfallsWorker(): Promise<PitfallsWorker> {
  const script_path = await bundleWorker(new URL("./workerd-pitfalls-worker.ts", import.meta.url).pathname);
  const directory = mkdtempSync(join(tmpdir(), "workerd-pitfalls-"));
  const workerd = await startWorkerd({
    script_path,
    durable_objects: { PITFALLS: "PitfallObject", VELOCITY_COUNTERS: "VelocityCounterObject" },
    persist_directory: directory,
  });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${workerd.url()}${path}`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
    const answer = (await response.json()) as { answer?: unknown; error?: { name: string; message: string } };
    if (answer.error !== undefined) {
      const { name, message } = answer.error;
      if (name === "PermanentError") throw new PermanentError(message);
      if (name === "TransientError") throw new TransientError(message);
      throw new Error(`${name}: ${message}`);
    }
    return answer.answer;
  };
  return {
    workerd,
    call: (key, method, ...args) => post(`/pitfall/${encodeURIComponent(key)}/${method}`, args) as never,
    observe: (observations, now_ms) => post("/velocity", { observations, now_ms }) as Promise<number[]>,
    async stop() {
      await workerd.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
