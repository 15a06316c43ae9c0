import { describe, expect, it } from "vitest";
import { describeError, isForbidden } from "./errors.js";
import {
  countOf,
  heatColor,
  isDue,
  passRates,
  knownPercent,
  percent,
  personName,
  recentScores,
  standing,
} from "./progress.js";

describe("pass rates", () => {
  it("divide passed by graded attempts per lesson, whatever shape the counts have", () => {
    const rates = passRates(
      [
        { lesson: 1, count: { id: "4" } },
        { lesson: "2", count: 3 },
        { lesson: null, count: 7 },
      ],
      [{ lesson: 1, count: { id: 3 } }],
    );
    expect(rates.get(1)).toEqual({ graded: 4, passed: 3, rate: 0.75 });
    expect(rates.get(2)).toEqual({ graded: 3, passed: 0, rate: 0 });
    expect(rates.size).toBe(2);
  });

  it("count strings, numbers and nested counts alike", () => {
    expect(countOf("12")).toBe(12);
    expect(countOf(5)).toBe(5);
    expect(countOf({ "*": "2" })).toBe(2);
    expect(countOf(null)).toBe(0);
  });
});

describe("the stuck rule", () => {
  it("is: none of the last three graded attempts reached the advance threshold", () => {
    expect(standing([0.5, 0.4, 0.3], 0.9)).toBe("stuck");
    expect(standing([0.5, 0.95, 0.3], 0.9)).toBe("on-track");
    // Only the last three count: an old pass does not hide a run of failures.
    expect(standing([0.5, 0.4, 0.3, 1], 0.9)).toBe("stuck");
    expect(standing([0.9, 0.1, 0.1], 0.9)).toBe("on-track");
  });

  it("tells a teacher what the last attempts scored, grouped by lesson", () => {
    const on = (score: number, lesson: string) => ({ score, lesson });
    expect(recentScores([on(0.29, "A"), on(0.29, "A"), on(0.3, "A")])).toBe(
      "29%, 29% and 30% on 'A'",
    );
    expect(recentScores([on(0.4, "A"), on(0.2, "B")])).toBe(
      "40% on 'A' and 20% on 'B'",
    );
  });

  it("needs three graded attempts before telling", () => {
    expect(standing([], 0.9)).toBe("too-early");
    expect(standing([0.1, 0.1], 0.9)).toBe("too-early");
  });
});

describe("reviews and wording", () => {
  it("are due once their date has come", () => {
    const now = new Date("2026-12-04T12:00:00Z");
    expect(isDue("2026-12-04T11:59:59Z", now)).toBe(true);
    expect(isDue("2026-12-04T12:00:00Z", now)).toBe(true);
    expect(isDue("2026-12-05T00:00:00Z", now)).toBe(false);
    expect(isDue(null, now)).toBe(false);
    expect(isDue("not a date", now)).toBe(false);
  });

  it("show percentages, colours and names a person can read", () => {
    expect(percent(0.666)).toBe("67%");
    expect(percent(null)).toBe("–");
    expect(knownPercent(0.996)).toBe("99%");
    expect(knownPercent(1)).toBe("100%");
    expect(knownPercent(undefined)).toBe("–");
    expect(heatColor(0)).toBe("hsl(0 65% 82%)");
    expect(heatColor(1)).toBe("hsl(120 65% 82%)");
    expect(heatColor(null)).toBe("transparent");
    expect(personName({ first_name: "Ada", last_name: "Student" })).toBe(
      "Ada Student",
    );
    expect(personName({ email: "ada@example.com" })).toBe("ada@example.com");
    expect(personName(null)).toBe("Unknown student");
  });

  it("explain failed requests in words, not codes", () => {
    const forbidden = {
      response: {
        status: 403,
        data: { errors: [{ message: "x", extensions: { code: "FORBIDDEN" } }] },
      },
    };
    expect(describeError(forbidden, "the cohorts")).toBe(
      "You may not read the cohorts. Ask an administrator to give your role read access to it.",
    );
    expect(isForbidden(forbidden)).toBe(true);
    expect(describeError(new Error("Network Error"), "the course map")).toMatch(
      /Directus could not be reached/,
    );
    expect(
      describeError(
        { response: { status: 500, data: { errors: [{ message: "Boom" }] } } },
        "the course map",
      ),
    ).toBe("Could not load the course map: Boom");
    expect(isForbidden({ response: { status: 500 } })).toBe(false);
  });
});
