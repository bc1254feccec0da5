/**
 * Debian's chromium (/usr/bin/chromium, installed by .ci/run) driven by playwright-core. The
 * flags keep it off the network this machine does not have (background updates, QUIC, sync).
 * Under CI=true a missing chromium is a failing test, never a skip.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const SCREENSHOTS_DIR = resolve(import.meta.dir, "../../test-output/console");
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
