import { expect, test } from "bun:test";
import { DEFAULT_FRAUD_RULES } from "../../src/core/fraud/default-rules.ts";
import { loadFraudRules } from "../../src/core/fraud/load-rules.ts";

const inline = JSON.stringify({ rules: [{ id: "big", when: { attribute: "amount", op: ">", value: 5 }, action: "review" }] });
const noFile = (path: string): string => {
  throw new Error(`no file expected, asked for ${path}`);
};

test("unset or empty means the built-in defaults", () => {
  expect(loadFraudRules(undefined, noFile)).toEqual({ ok: true, value: DEFAULT_FRAUD_RULES });
  expect(loadFraudRules("  ", noFile)).toEqual({ ok: true, value: DEFAULT_FRAUD_RULES });
});

test("a value starting with { is inline JSON", () => {
  const loaded = loadFraudRules(` ${inline}`, noFile);
  expect(loaded.ok && loaded.value.rules.map((rule) => rule.id)).toEqual(["big"]);
});

test("any other value is a path read through readFile", () => {
  const asked: string[] = [];
  const loaded = loadFraudRules("/etc/fraud.json", (path) => {
    asked.push(path);
    return inline;
  });
  expect(asked).toEqual(["/etc/fraud.json"]);
  expect(loaded.ok).toBe(true);
});

test("errors name FRAUD_RULES", () => {
  const messageOf = (value: string, readFile = noFile) => {
    const loaded = loadFraudRules(value, readFile);
    if (loaded.ok) throw new Error("expected an error");
    expect(loaded.error.code).toBe("invalid_config");
    return loaded.error.message;
  };
  expect(messageOf("{not json")).toStartWith("FRAUD_RULES: not valid JSON");
  expect(messageOf(`{"rules": 1}`)).toStartWith("FRAUD_RULES: invalid fraud rules: rules: must be an array");
  expect(messageOf("missing.json", () => { throw new Error("ENOENT"); })).toBe("FRAUD_RULES (file missing.json): cannot read the file: ENOENT");
  expect(messageOf("bad.json", () => "[")).toStartWith("FRAUD_RULES (file bad.json): not valid JSON");
  expect(messageOf("rules.json", () => `{"rules":[{"id":"x"}]}`)).toContain(`FRAUD_RULES (file rules.json): invalid fraud rules: rule "x" at rules[0]`);
});
