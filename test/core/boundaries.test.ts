/**
 * STYLE.md section 1, checked mechanically: the host-neutral code (src/core, actors/payment,
 * actors/runtime.ts) imports no platform module, reads no clock, and compiles without Bun's
 * or Node's global types.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const NEUTRAL = ["src/core", "actors/payment", "actors/runtime.ts"];
/** Pure libraries the neutral code may use: no platform API, no clock. */
const LIBRARIES = new Set(["valibot"]);
/** A clock read, not a conversion: `new Date(value)` is fine, `new Date()` is not. */
const CLOCK = /Date\.now\s*\(|new Date\s*\(\s*\)|performance\.now|process\.hrtime|Bun\.nanoseconds/;

function neutralFiles(): string[] {
  return NEUTRAL.flatMap((entry) =>
    entry.endsWith(".ts")
      ? [entry]
      : readdirSync(join(ROOT, entry), { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts")).map((file) => join(entry, file)),
  );
}

const insideNeutral = (path: string) => NEUTRAL.some((entry) => path === entry || path.startsWith(`${entry}/`));

test("the neutral code imports only itself and pure libraries", () => {
  const files = neutralFiles();
  expect(files.length).toBeGreaterThan(30);
  for (const file of files) {
    const source = readFileSync(join(ROOT, file), "utf8");
    const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((match) => match[1]!);
    for (const specifier of specifiers) {
      const target = specifier.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), specifier)) : null;
      const allowed = target === null ? LIBRARIES.has(specifier) : insideNeutral(target);
      expect({ file, specifier, allowed }).toEqual({ file, specifier, allowed: true });
    }
  }
});

test("the neutral code reads no clock", () => {
  for (const file of neutralFiles()) {
    const source = readFileSync(join(ROOT, file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    expect({ file, clock: CLOCK.exec(source)?.[0] ?? null }).toEqual({ file, clock: null });
  }
});

test("the neutral code compiles without Bun's or Node's global types (tsconfig.core.json)", async () => {
  const child = Bun.spawn([join(ROOT, "node_modules/.bin/tsc"), "-p", join(ROOT, "tsconfig.core.json"), "--noEmit"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [exit_code, output] = await Promise.all([child.exited, new Response(child.stdout).text()]);
  expect({ exit_code, output: output.trim() }).toEqual({ exit_code: 0, output: "" });
}, 120_000);
