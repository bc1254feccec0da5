import { expect, test } from "bun:test";
import { redactDatabaseUrl } from "../../src/sink/open-sink.ts";

test("a printed DATABASE_URL keeps its user and hides its password", () => {
  expect(redactDatabaseUrl("postgres://app:s3cret@db.example.com:5432/payments?sslmode=require")).toBe(
    "postgres://app:***@db.example.com:5432/payments?sslmode=require",
  );
  expect(redactDatabaseUrl("postgresql://db.example.com/payments")).toBe("postgresql://db.example.com/payments");
});
