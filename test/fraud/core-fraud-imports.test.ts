import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const FOLDER = join(import.meta.dir, "../../src/core/fraud");

test("the fraud core imports no platform module and reads no clock", () => {
  for (const file of readdirSync(FOLDER).filter((name) => name.endsWith(".ts"))) {
    const source = readFileSync(join(FOLDER, file), "utf8");
    const imports = [...source.matchAll(/from\s+["']([^"']+)["']/g)].map((match) => match[1]);
    for (const specifier of imports) expect({ file, specifier, relative: specifier!.startsWith(".") }).toEqual({ file, specifier, relative: true });
    expect({ file, clock: /Date\.now|new Date\(|performance\.now/.test(source) }).toEqual({ file, clock: false });
  }
});
