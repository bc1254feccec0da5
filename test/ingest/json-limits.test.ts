import { describe, expect, test } from "bun:test";
import { checkJsonLimits, DEFAULT_JSON_LIMITS } from "../../src/ingest/json-limits.ts";
import { decodeJsonBody } from "../../src/ingest/read-body.ts";

const limits = { depth_max: 3, string_length_max: 5, keys_per_object_max: 2 };
const code = (text: string) => {
  const result = checkJsonLimits(text, limits);
  return result.ok ? "ok" : result.error.code;
};

describe("JSON limits, checked before parsing", () => {
  test("a text within every limit passes", () => {
    expect(code('{"a":[1,{"b":"12345"}],"c":null}')).toBe("ok");
  });

  test("nesting past depth_max is refused, arrays and objects alike", () => {
    expect(code("[[[1]]]")).toBe("ok");
    expect(code("[[[[1]]]]")).toBe("json_too_deep");
    expect(code('{"a":{"b":{"c":{}}}}')).toBe("json_too_deep");
  });

  test("brackets inside strings are not nesting", () => {
    expect(code('["[[[{{{"]')).toBe("json_string_too_long");
    expect(checkJsonLimits('["[[[[[[[[[[", "\\"[[[[[[["]', { ...limits, string_length_max: 100 }).ok).toBe(true);
  });

  test("a string ends at the first quote after an even run of backslashes", () => {
    const wide = { ...limits, string_length_max: 100 };
    // "a\\" ends after its escaped backslash: the [[[[ that follows is nesting.
    expect(checkJsonLimits(String.raw`["a\\", [[[[1]]]]]`, wide)).toMatchObject({ ok: false, error: { code: "json_too_deep" } });
    // "a\\\"[[[[" is one string: an escaped backslash, then an escaped quote.
    expect(checkJsonLimits(String.raw`["a\\\"[[[[", 1]`, wide).ok).toBe(true);
    expect(checkJsonLimits(String.raw`{"k\"":1,"k\"":2}`, wide)).toMatchObject({ ok: false, error: { code: "duplicate_json_key" } });
  });

  test("a string past string_length_max is refused, keys too", () => {
    expect(code('["123456"]')).toBe("json_string_too_long");
    expect(code('{"123456":1}')).toBe("json_string_too_long");
  });

  test("an object past keys_per_object_max is refused; keys of sibling objects do not add up", () => {
    expect(code('{"a":1,"b":2,"c":3}')).toBe("json_too_many_keys");
    expect(code('[{"a":1,"b":2},{"a":1,"b":2}]')).toBe("ok");
  });

  test("a duplicate key is refused, however it is escaped; the same key in nested objects is not a duplicate", () => {
    expect(code('{"a":1,"a":2}')).toBe("duplicate_json_key");
    expect(checkJsonLimits('{"a":1,"\\u0061":2}', DEFAULT_JSON_LIMITS)).toMatchObject({ ok: false, error: { code: "duplicate_json_key" } });
    expect(code('{"a":{"a":1}}')).toBe("ok");
    expect(code('{"a":"a"}')).toBe("ok");
    expect(code('{"a":["a","a"]}')).toBe("ok");
  });

  test("a body nested 100,000 deep is refused without a stack overflow", () => {
    const text = "[".repeat(100_000) + "]".repeat(100_000);
    const decoded = decodeJsonBody(new TextEncoder().encode(text), "application/json");
    expect(decoded.ok ? "ok" : decoded.error.code).toBe("json_too_deep");
    expect(decoded.ok ? "" : decoded.error.message).toContain(String(DEFAULT_JSON_LIMITS.depth_max));
  });
});
