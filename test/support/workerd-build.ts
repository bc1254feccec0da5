/**
 * Bundles a Worker entry for tests with Bun.build (ES module, `cloudflare:*` left to workerd).
 * The production Worker is bundled by wrangler instead (scripts/build-worker.ts), so that its
 * tests run the very bundle `wrangler deploy` uploads.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function bundleWorker(entry: string): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), "workerd-bundle-"));
  const result = await Bun.build({
    entrypoints: [entry],
    outdir,
    target: "browser",
    format: "esm",
    external: ["cloudflare:*"],
    naming: "worker.js",
  });
  if (!result.success) throw new Error(`bundling ${entry} failed:\n${result.logs.join("\n")}`);
  return join(outdir, "worker.js");
}
