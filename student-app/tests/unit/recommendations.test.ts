import { describe, expect, it } from "vitest";
import {
  dueReviews,
  nextReview,
  practiceCount,
  sortRecommendations,
  summarize,
} from "../../src/lib/recommendations";

describe("next steps", () => {
  it("sums up a failed lesson as remediation plus its practice problems", () => {
    expect(
      summarize([
        { kind: "remediate", questions: [] },
        { kind: "practice", questions: [1, 2, 3] },
      ]),
    ).toBe("Remediation plus 3 practice problems");
    expect(summarize([{ kind: "remediate", questions: null }])).toBe(
      "Remediation",
    );
  });

  it("sums up a passed lesson as advance, and the rest by kind", () => {
    expect(
      summarize([
        { kind: "advance", questions: [] },
        { kind: "review", questions: [4] },
      ]),
    ).toBe("Advance");
    expect(summarize([{ kind: "practice", questions: [4, 5] }])).toBe(
      "Practice: 2 practice problems",
    );
    expect(summarize([{ kind: "review", questions: [] }])).toBe("Review");
    expect(summarize([])).toBe("No next steps yet");
  });

  it("counts practice problems in words", () => {
    expect(practiceCount([1])).toBe("1 practice problem");
    expect(practiceCount([1, 2, 3])).toBe("3 practice problems");
    expect(practiceCount(null)).toBeNull();
  });

  it("puts the highest priority first and keeps the worker's order otherwise", () => {
    const sorted = sortRecommendations([
      { priority: 1, n: "a" },
      { priority: 5, n: "b" },
      { priority: 1, n: "c" },
    ]);
    expect(sorted.map((r) => r.n)).toEqual(["b", "a", "c"]);
  });

  it("lists reviews that are due, soonest first", () => {
    const now = new Date("2026-12-05T12:00:00Z");
    const due = dueReviews(
      [
        { skill: 1, due_at: "2026-12-06T00:00:00Z" },
        { skill: 2, due_at: "2026-12-05T11:00:00Z" },
        { skill: 3, due_at: null },
        { skill: 4, due_at: "2026-12-01T00:00:00Z" },
      ],
      now,
    );
    expect(due.map((m) => m.skill)).toEqual([4, 2]);
  });
});

describe("the next review", () => {
  it("is the soonest one not yet due", () => {
    const now = new Date("2026-12-05T12:00:00Z");
    const mastery = [
      { skill: 1, due_at: "2026-12-09T00:00:00Z" },
      { skill: 2, due_at: "2026-12-05T11:00:00Z" },
      { skill: 3, due_at: "2026-12-07T00:00:00Z" },
      { skill: 4, due_at: null },
    ];
    expect(nextReview(mastery, now)?.skill).toBe(3);
    expect(
      nextReview([{ skill: 2, due_at: "2026-12-01T00:00:00Z" }], now),
    ).toBeNull();
  });
});
