/**
 * The actor-host suite on workerd: each suite actor is a SQLite-backed Durable Object on the
 * Cloudflare adapter (actors/cloudflare), driven over HTTP through a small test Worker
 * (test/support/workerd-suite-worker.ts). A restart ends the workerd process and starts a new
 * one on the same persist folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleWorker } from "../support/workerd-build.ts";
import { startWorkerd } from "../support/workerd-miniflare.ts";
import { runActorHostSuite, type HostFactory } from "../suite/index.ts";

const script_path = await bundleWorker(new URL("../support/workerd-suite-worker.ts", import.meta.url).pathname);

const workerdHost: HostFactory = {
  async start(options = {}) {
    const directory = options.directory ?? mkdtempSync(join(tmpdir(), "actor-host-workerd-"));
    const workerd = await startWorkerd({
      script_path,
      durable_objects: { probe: "ProbeObject", payment: "PaymentSuiteObject" },
      persist_directory: directory,
    });
    return {
      async call(kind, key, request) {
        const response = await fetch(`${workerd.url()}/call/${kind}/${encodeURIComponent(key)}`, {
          method: "POST",
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await response.json()) as { answer?: unknown; error?: string };
        if (body.error !== undefined) throw new Error(body.error);
        return body.answer;
      },
      elapse: (ms) => Bun.sleep(ms),
      restart: () => workerd.restart(),
      async stop() {
        await workerd.stop();
        if (options.directory === undefined) rmSync(directory, { recursive: true, force: true });
      },
    };
  },
};

runActorHostSuite("actor host: workerd (Durable Objects on SQLite storage, via Miniflare)", workerdHost);
