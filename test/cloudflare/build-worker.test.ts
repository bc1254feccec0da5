/** CI runs this: a Worker that `wrangler deploy` could not bundle fails the build. */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWorker } from "../../scripts/build-worker.ts";

test("the Worker bundles with wrangler deploy --dry-run, well under Cloudflare's size limit", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "build-worker-"));
  try {
    const bundle = await buildWorker(outdir);
    console.log(`worker bundle: ${(bundle.bytes / 1024).toFixed(1)} KiB, gzip ${(bundle.gzip_bytes / 1024).toFixed(1)} KiB`);
    expect(bundle.gzip_bytes).toBeLessThan(3 * 1024 * 1024);
    const source = await Bun.file(bundle.script_path).text();
    for (const name of ["PaymentActorObject", "SinkWriterObject", "VelocityCounterObject"]) expect(source).toContain(name);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 120_000);
