import { describe, expect, it } from "vitest";
import { fromColumn, rowFromColumns, toColumn, vendorOf } from "./columns.js";

const field = (type: string) => ({ type, special: [] });

describe("values to and from columns", () => {
  it("stores timestamps the way each vendor does", () => {
    const iso = "2026-12-04T10:00:00.000Z";
    expect(toColumn(field("timestamp"), iso, "sqlite")).toBe(Date.parse(iso));
    expect(toColumn(field("timestamp"), iso, "postgres")).toEqual(
      new Date(iso),
    );
  });

  it("reads timestamps back as ISO 8601 from either vendor", () => {
    const iso = "2026-12-04T10:00:00.000Z";
    expect(fromColumn(field("timestamp"), Date.parse(iso))).toBe(iso);
    expect(fromColumn(field("timestamp"), String(Date.parse(iso)))).toBe(iso);
    expect(fromColumn(field("timestamp"), new Date(iso))).toBe(iso);
    expect(fromColumn(field("timestamp"), "2026-12-04 10:00:00")).toBe(iso);
  });

  it("stores JSON as text and reads text or parsed JSON", () => {
    expect(toColumn(field("json"), { a: [1] }, "sqlite")).toBe('{"a":[1]}');
    expect(fromColumn(field("json"), '{"a":[1]}')).toEqual({ a: [1] });
    expect(fromColumn(field("json"), { a: [1] })).toEqual({ a: [1] });
    expect(fromColumn(field("json"), "not json")).toBe("not json");
  });

  it("turns SQLite booleans and numeric strings into their JSON types", () => {
    expect(fromColumn(field("boolean"), 1)).toBe(true);
    expect(fromColumn(field("boolean"), 0)).toBe(false);
    expect(toColumn(field("boolean"), true, "sqlite")).toBe(true);
    expect(fromColumn(field("float"), "0.25")).toBe(0.25);
    expect(toColumn(field("integer"), "12", "postgres")).toBe(12);
  });

  it("keeps nulls and unknown fields as they are", () => {
    expect(toColumn(field("json"), null, "sqlite")).toBeNull();
    expect(fromColumn(undefined, "x")).toBe("x");
    expect(
      rowFromColumns(
        { mastered: field("boolean") },
        { mastered: 0, other: "x" },
      ),
    ).toEqual({ mastered: false, other: "x" });
  });

  it("knows the vendor from knex client names", () => {
    expect(vendorOf("pg")).toBe("postgres");
    expect(vendorOf("sqlite3")).toBe("sqlite");
  });
});
