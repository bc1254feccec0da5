/**
 * Starts a bundled Worker on workerd through Miniflare's programmatic API (the `workerd`
 * binary comes inside its npm package; nothing is downloaded), on 127.0.0.1 and a free port,
 * with Durable Objects persisted in a folder so that a restart keeps their storage.
 *
 * `restart()` disposes of the runtime (the workerd process ends: nothing of the old instance
 * runs another step) and starts a new one on the same folder.
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { Miniflare } from "miniflare";

export interface WorkerdOptions {
  script_path: string;
  /** Binding name to Durable Object class name; every class is SQLite-backed. */
  durable_objects: Record<string, string>;
  persist_directory: string;
  bindings?: Record<string, string>;
  compatibility_flags?: string[];
}

export interface WorkerdInstance {
  url(): string;
  miniflare(): Miniflare;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The compatibility date of wrangler.toml, so tests and deploys run the same semantics. */
export const COMPATIBILITY_DATE = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8"))![1]!;

export async function startWorkerd(options: WorkerdOptions): Promise<WorkerdInstance> {
  const create = () =>
    new Miniflare({
      modules: true,
      modulesRules: [{ type: "ESModule", include: ["**/*.js"] }],
      scriptPath: options.script_path,
      // Module names are relative to this folder; the bundle may live outside the repository.
      modulesRoot: dirname(options.script_path),
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: options.compatibility_flags ?? ["nodejs_compat"],
      durableObjects: Object.fromEntries(
        Object.entries(options.durable_objects).map(([binding, className]) => [binding, { className, useSQLite: true }]),
      ),
      durableObjectsPersist: options.persist_directory,
      bindings: options.bindings ?? {},
      host: "127.0.0.1",
      port: 0,
    });
  let miniflare = create();
  let url = (await miniflare.ready).href.replace(/\/$/, "");
  let stopped = false;
  return {
    url: () => url,
    miniflare: () => miniflare,
    async restart() {
      await miniflare.dispose();
      miniflare = create();
      url = (await miniflare.ready).href.replace(/\/$/, "");
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await miniflare.dispose();
    },
  };
}
