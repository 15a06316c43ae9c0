import { describe, expect, it } from "vitest";
import { constraintViolation } from "./errors.js";
import { isWorker, sameSecret } from "./worker.js";

describe("who may call", () => {
  it("is the worker only: a user with the worker role", () => {
    expect(isWorker({ user: "u", role: "r" }, "r")).toBe(true);
    expect(isWorker({ user: "u", role: "admin-role" }, "r")).toBe(false);
    expect(isWorker({ user: null, role: "r" }, "r")).toBe(false);
    expect(isWorker(null, "r")).toBe(false);
    expect(isWorker({ user: "u", role: "r" }, null)).toBe(false);
  });

  it("compares tokens whole", () => {
    expect(sameSecret("abc", "abc")).toBe(true);
    expect(sameSecret("abc", "abd")).toBe(false);
    expect(sameSecret("abc", "ab")).toBe(false);
  });
});

describe("constraint violations", () => {
  it("are told apart, without the values knex puts in the message", () => {
    const sqlite = {
      code: "SQLITE_CONSTRAINT",
      message:
        "insert into `recommendations` (`key`) values ('42:0') - SQLITE_CONSTRAINT: UNIQUE constraint failed: recommendations.key",
    };
    expect(constraintViolation(sqlite)).toEqual({
      kind: "unique",
      where: "recommendations.key",
    });
    const pg = {
      code: "23505",
      table: "recommendations",
      constraint: "recommendations_key_unique",
      message: "values (42:0)",
    };
    expect(constraintViolation(pg)).toEqual({
      kind: "unique",
      where: "recommendations recommendations_key_unique",
    });
    expect(constraintViolation({ code: "23503", table: "mastery" })?.kind).toBe(
      "other",
    );
    expect(
      constraintViolation({
        code: "SQLITE_CONSTRAINT",
        message: "FOREIGN KEY constraint failed",
      })?.kind,
    ).toBe("other");
    expect(constraintViolation(new Error("boom"))).toBeUndefined();
  });
});
