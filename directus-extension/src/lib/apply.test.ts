import { describe, expect, it } from "vitest";
import { insertBatches } from "./apply.js";
import type { RowWrite } from "./outcome.js";

const create = (
  collection: string,
  values: Record<string, unknown>,
): RowWrite => ({ collection, place: `writes.${collection}`, values });

describe("grouping creates into INSERT statements", () => {
  it("puts rows of one collection with the same fields and a key in one statement", () => {
    const recommendations = [1, 2, 3].map((i) =>
      create("recommendations", { key: `9:${i}`, kind: "practice" }),
    );
    const mastery = create("mastery", { key: "s:1", p_known: 0.3 });
    const batches = insertBatches([...recommendations, mastery]);
    expect(batches).toEqual([recommendations, [mastery]]);
  });

  it("inserts rows without a key, or with other fields, on their own", () => {
    const profile = create("student_profiles", { student: "s", xp: 10 });
    const a = create("recommendations", { key: "9:0", kind: "advance" });
    const b = create("recommendations", {
      key: "9:1",
      kind: "review",
      skill: 4,
    });
    expect(insertBatches([profile, a, b])).toEqual([[a], [b], [profile]]);
  });
});
