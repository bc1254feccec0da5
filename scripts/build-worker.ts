/**
 * `npm run build:worker`: bundles the Cloudflare Worker exactly as `wrangler deploy` would
 * (`wrangler deploy --dry-run --outdir`), without an account or network, and prints the
 * bundle size. Exits non-zero when the Worker does not bundle, so CI catches it.
 *
 *   bun run scripts/build-worker.ts [outdir]     (default dist/worker)
 */
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = resolve(import.meta.dir, "..");

export interface WorkerBundle {
  script_path: string;
  bytes: number;
  gzip_bytes: number;
}

/** Runs wrangler's dry-run build into `outdir` and returns the bundle it wrote. */
export async function buildWorker(outdir: string): Promise<WorkerBundle> {
  const child = Bun.spawn([join(ROOT, "node_modules/.bin/wrangler"), "deploy", "--dry-run", "--outdir", outdir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill(), 120_000);
  const [exit_code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  clearTimeout(timer);
  if (exit_code !== 0) throw new Error(`wrangler deploy --dry-run failed (exit ${exit_code}):\n${stdout}\n${stderr}`);
  const script_path = join(outdir, "worker.js");
  const bytes = statSync(script_path).size;
  return { script_path, bytes, gzip_bytes: gzipSync(await Bun.file(script_path).arrayBuffer()).length };
}

if (import.meta.main) {
  const outdir = resolve(process.argv[2] ?? join(ROOT, "dist/worker"));
  try {
    const bundle = await buildWorker(outdir);
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    console.log(`worker bundle: ${bundle.script_path}`);
    console.log(`size: ${kib(bundle.bytes)} (gzip ${kib(bundle.gzip_bytes)}; Cloudflare's limit is 3 MiB gzip on Free, 10 MiB on Paid)`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
