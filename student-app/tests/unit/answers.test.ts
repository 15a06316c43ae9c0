import { describe, expect, it } from "vitest";
import {
  buildAnswers,
  describeExpected,
  emptyDraft,
  isAnswered,
  move,
  moveTo,
  toAnswer,
} from "../../src/lib/answers";
import type { Question } from "../../src/lib/types";

const choices = [
  { id: "a", text: "1/2" },
  { id: "b", text: "2/4" },
  { id: "c", text: "1/3" },
];

describe("answers per question type (docs/answer-keys.md)", () => {
  it("sends a single choice as its id, nothing when none is picked", () => {
    expect(toAnswer("single_choice", "b")).toBe("b");
    expect(toAnswer("single_choice", "")).toBeUndefined();
  });

  it("sends multiple picks as a list of ids, nothing for no pick", () => {
    expect(toAnswer("multiple_choice", ["a", "c"])).toEqual(["a", "c"]);
    expect(toAnswer("multiple_choice", [])).toBeUndefined();
  });

  it("sends true/false as a JSON boolean, nothing before a pick", () => {
    expect(toAnswer("true_false", false)).toBe(false);
    expect(toAnswer("true_false", true)).toBe(true);
    expect(toAnswer("true_false", null)).toBeUndefined();
  });

  it("sends a plain number as a number and anything else as typed", () => {
    expect(toAnswer("numeric", " 0.75 ")).toBe(0.75);
    expect(toAnswer("numeric", "0,5")).toBe(0.5);
    expect(toAnswer("numeric", "-3")).toBe(-3);
    expect(toAnswer("numeric", "7.5e-1")).toBe(0.75);
    expect(toAnswer("numeric", "1  1/2")).toBe("1 1/2");
    expect(toAnswer("numeric", "3/4")).toBe("3/4");
    expect(toAnswer("numeric", "   ")).toBeUndefined();
  });

  it("sends fractions and short text trimmed, as strings", () => {
    expect(toAnswer("fraction", " 6/8 ")).toBe("6/8");
    expect(toAnswer("fraction", "")).toBeUndefined();
    expect(toAnswer("short_text", "  the numerator ")).toBe("the numerator");
  });

  it("sends an ordering as the ids in the student's order", () => {
    expect(toAnswer("ordering", ["c", "a", "b"])).toEqual(["c", "a", "b"]);
  });

  it("starts every input empty, an ordering in the order the choices come", () => {
    const q = (type: Question["type"]) => ({ type, choices });
    expect(emptyDraft(q("single_choice"))).toBe("");
    expect(emptyDraft(q("multiple_choice"))).toEqual([]);
    expect(emptyDraft(q("true_false"))).toBeNull();
    expect(emptyDraft(q("ordering"))).toEqual(["a", "b", "c"]);
    expect(isAnswered("ordering", emptyDraft(q("ordering")))).toBe(true);
    expect(isAnswered("numeric", emptyDraft(q("numeric")))).toBe(false);
  });

  it("builds the attempt's answers keyed by question id, leaving out unanswered ones", () => {
    const questions = [
      { id: 1, type: "single_choice" as const },
      { id: 2, type: "numeric" as const },
      { id: 3, type: "true_false" as const },
      { id: 4, type: "fraction" as const },
    ];
    expect(
      buildAnswers(questions, { "1": "a", "2": "0.5", "3": null }),
    ).toEqual({ "1": "a", "2": 0.5 });
  });
});

describe("ordering moves", () => {
  it("moves an item up or down, and never past either end", () => {
    expect(move(["a", "b", "c"], 2, -1)).toEqual(["a", "c", "b"]);
    expect(move(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    expect(move(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
    expect(move(["a", "b", "c"], 2, 1)).toEqual(["a", "b", "c"]);
  });

  it("drops a dragged item at its new place", () => {
    expect(moveTo(["a", "b", "c", "d"], 0, 2)).toEqual(["b", "c", "a", "d"]);
    expect(moveTo(["a", "b", "c", "d"], 3, 0)).toEqual(["d", "a", "b", "c"]);
    expect(moveTo(["a", "b", "c"], 1, 9)).toEqual(["a", "c", "b"]);
  });
});

describe("expected answers in words", () => {
  it("names choices by their text", () => {
    expect(describeExpected({ type: "single_choice", choices }, "b")).toBe(
      "2/4",
    );
    expect(
      describeExpected({ type: "multiple_choice", choices }, ["a", "b"]),
    ).toBe("1/2, 2/4");
    expect(
      describeExpected({ type: "ordering", choices }, ["c", "a", "b"]),
    ).toBe("1/3 → 1/2 → 2/4");
    expect(describeExpected({ type: "true_false", choices: null }, false)).toBe(
      "False",
    );
    expect(describeExpected({ type: "fraction", choices: null }, "3/4")).toBe(
      "3/4",
    );
    expect(
      describeExpected({ type: "short_text", choices: null }, null),
    ).toBeNull();
  });
});
