import { describe, expect, it } from "vitest";
import { wantsWal } from "./sqlite-journal.js";

describe("the SQLite journal", () => {
  it("is switched to WAL on SQLite by default", () => {
    expect(wantsWal("sqlite3", undefined)).toBe(true);
    expect(wantsWal("sqlite3", "true")).toBe(true);
    expect(wantsWal("sqlite3", true)).toBe(true);
  });

  it("is left alone when the operator turns it off", () => {
    for (const off of ["false", "0", "no", "OFF", false])
      expect(wantsWal("sqlite3", off)).toBe(false);
  });

  it("is none of Pathwise's business on other databases", () => {
    expect(wantsWal("pg", undefined)).toBe(false);
    expect(wantsWal("mysql", "true")).toBe(false);
    expect(wantsWal(undefined, "true")).toBe(false);
  });
});
