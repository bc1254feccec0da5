import { test } from "bun:test";

/**
 * The test function a behaviour suite hands its cases. It defines each case, except those its
 * runner says cannot apply to the host or driver under test (`not_applicable`: case name to
 * why, read in the runner). CI runs no skipped tests: such a case is not defined for that
 * runner rather than reported skipped. `used` collects every case name, so that a runner can
 * check each name it lists is a case of the suite.
 */
export function caseRunner(not_applicable: Record<string, string>, default_timeout_ms?: number, used?: Set<string>) {
  return (name: string, run: () => Promise<void>, timeout_ms = default_timeout_ms): void => {
    used?.add(name);
    if (not_applicable[name] === undefined) test(name, run, timeout_ms);
  };
}
