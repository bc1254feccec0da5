import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const SINK = join(import.meta.dir, "../../src/sink");
const VENDOR_DRIVER_FILES: Record<string, string> = {
  "@electric-sql/pglite": "drivers/pglite.ts",
  postgres: "drivers/postgres.ts",
  "@neondatabase/serverless": "drivers/neon.ts",
};

test("each vendor SDK is imported by its driver file only", () => {
  const files = readdirSync(SINK, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"));
  for (const file of files) {
    const source = readFileSync(join(SINK, file), "utf8");
    for (const [, module] of source.matchAll(/from "([^"]+)"/g)) {
      const owner = VENDOR_DRIVER_FILES[module!];
      if (owner !== undefined) expect(`${module} in ${file}`).toBe(`${module} in ${owner}`);
    }
  }
});
