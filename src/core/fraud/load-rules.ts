/**
 * Reads the `FRAUD_RULES` variable: unset or empty for the built-in defaults, inline JSON
 * (a value starting with `{`), or else the path of a JSON file. The file is read through
 * the injected `readFile`, so the core touches no file system.
 */
import { errorMessage } from "../errors.ts";
import { fail, ok, type Result } from "../result.ts";
import { DEFAULT_FRAUD_RULES } from "./default-rules.ts";
import { parseFraudRules } from "./parse-rules.ts";
import type { FraudRuleSet } from "./rules.ts";

export function loadFraudRules(
  value: string | undefined,
  readFile: (path: string) => string,
): Result<FraudRuleSet> {
  const text = value?.trim() ?? "";
  if (text === "") return ok(DEFAULT_FRAUD_RULES);

  let source = "FRAUD_RULES";
  let json = text;
  if (!text.startsWith("{")) {
    source = `FRAUD_RULES (file ${text})`;
    try {
      json = readFile(text);
    } catch (error) {
      return fail("invalid_config", `${source}: cannot read the file: ${errorMessage(error)}`);
    }
  }
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch (error) {
    return fail("invalid_config", `${source}: not valid JSON: ${errorMessage(error)}`);
  }
  const parsed = parseFraudRules(input);
  if (!parsed.ok) return fail("invalid_config", `${source}: ${parsed.error.message}`);
  return parsed;
}
