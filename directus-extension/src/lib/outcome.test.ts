import { describe, expect, it } from "vitest";
import { parseOutcome, type Schema } from "./outcome.js";

const field = (type: string) => ({ type, special: [] });
const schema: Schema = {
  attempts: {
    status: field("string"),
    score: field("float"),
    results: field("json"),
    graded_at: field("timestamp"),
    rejection_reason: field("text"),
  },
  mastery: {
    id: field("integer"),
    key: field("string"),
    student: field("uuid"),
    skill: field("integer"),
    p_known: field("float"),
    mastered: field("boolean"),
    applied_attempts: field("json"),
  },
  recommendations: {
    id: field("integer"),
    key: field("string"),
    student: field("uuid"),
    status: field("string"),
  },
  student_profiles: {
    id: field("integer"),
    student: field("uuid"),
    xp: field("integer"),
    version: field("integer"),
  },
  learning_paths: {
    id: field("integer"),
    key: field("string"),
    student: field("uuid"),
    steps: field("json"),
  },
};
const graded = {
  status: "graded",
  score: 0.5,
  results: { questions: [] },
  graded_at: "2026-12-04T10:00:00Z",
};

function problem(body: unknown): string {
  try {
    parseOutcome(body, schema);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("parseOutcome", () => {
  it("reads every list of the RecordOutcome variables", () => {
    const outcome = parseOutcome(
      {
        version: 3,
        attempt: graded,
        writes: {
          newMastery: [
            {
              key: "s:1",
              student: "s",
              skill: 1,
              p_known: 0.3,
              mastered: false,
            },
          ],
          masteryUpdates: [{ id: "9", p_known: 0.5, applied_attempts: [1, 2] }],
          superseded: ["4", 5],
          newProfiles: null,
          profileUpdates: [{ id: 2, xp: 10, version: 4 }],
        },
      },
      schema,
    );
    expect(outcome.version).toBe(3);
    expect(outcome.status).toBe("graded");
    expect(outcome.superseded).toEqual([4, 5]);
    expect(outcome.creates.map((c) => c.collection)).toEqual(["mastery"]);
    expect(outcome.updates.map((u) => [u.collection, u.id])).toEqual([
      ["mastery", 9],
      ["student_profiles", 2],
    ]);
    expect(outcome.updates[0]?.values).toEqual({
      p_known: 0.5,
      applied_attempts: [1, 2],
    });
  });

  it("takes a rejection without a version", () => {
    const outcome = parseOutcome(
      { attempt: { status: "rejected", rejection_reason: "broken key" } },
      schema,
    );
    expect(outcome.version).toBeUndefined();
    expect(outcome.creates).toEqual([]);
  });

  it("says what is wrong and where", () => {
    expect(problem([])).toContain("must be a JSON object");
    expect(problem({ version: 1, attempt: { status: "done" } })).toContain(
      'attempt.status: must be "graded" or "rejected"',
    );
    expect(problem({ version: "one", attempt: graded })).toContain(
      "version: must be",
    );
    expect(problem({ attempt: graded })).toContain("version: must be");
    expect(problem({ version: 1, attempt: graded, extra: 1 })).toContain(
      "extra: is not part of an outcome",
    );
    expect(
      problem({ version: 1, attempt: { ...graded, score: "high" } }),
    ).toContain("attempt.score: must be a number");
    expect(
      problem({ version: 1, attempt: { ...graded, graded_at: "yesterday" } }),
    ).toContain("attempt.graded_at: must be an ISO 8601 timestamp");
    expect(
      problem({
        version: 1,
        attempt: graded,
        writes: { newMastery: [{ skill: "many" }] },
      }),
    ).toContain("writes.newMastery[0].skill: must be an integer");
    expect(
      problem({
        version: 1,
        attempt: graded,
        writes: { newMastery: [{ mastered: "yes" }] },
      }),
    ).toContain("writes.newMastery[0].mastered: must be true or false");
    expect(
      problem({
        version: 1,
        attempt: graded,
        writes: { profileUpdates: [{ id: 2, password: "x" }] },
      }),
    ).toContain("writes.profileUpdates[0].password: is not a field");
    expect(
      problem({
        version: 1,
        attempt: graded,
        writes: { profileUpdates: [{ xp: 1 }] },
      }),
    ).toContain("writes.profileUpdates[0].id: must be an item id");
    expect(
      problem({ version: 1, attempt: graded, writes: { newThings: [] } }),
    ).toContain("writes.newThings: is not a list of an outcome");
    expect(
      problem({ version: 1, attempt: graded, writes: { superseded: ["x"] } }),
    ).toContain("writes.superseded[0]");
    expect(
      problem({
        attempt: { status: "rejected" },
        writes: { newMastery: [{ skill: 1 }] },
      }),
    ).toContain("a rejected attempt writes no learner records");
  });

  it("answers in Directus error format, as INVALID_PAYLOAD", () => {
    expect.assertions(3);
    try {
      parseOutcome({ version: 1, attempt: { status: "x" } }, schema);
    } catch (error) {
      expect(
        (error as { name: string; code: string; status: number }).name,
      ).toBe("DirectusError");
      expect((error as { code: string }).code).toBe("INVALID_PAYLOAD");
      expect((error as { status: number }).status).toBe(400);
    }
  });
});
