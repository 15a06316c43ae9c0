import { describe, expect, it } from "vitest";
import {
  type CourseLists,
  type Edit,
  applyEdits,
  columnsOf,
  idOf,
  refusals,
  savedFields,
  touchesOf,
  validationBody,
  withAliasLinks,
  withLinks,
} from "./content-edits.js";

/** Course 3: module 30; lessons 7 and 8 (8 needs 7); skill 4; question 57 on lesson 7. */
function lists(): CourseLists {
  return {
    course: {
      id: 3,
      title: "Fractions",
      advance_threshold: 0.9,
      remediate_threshold: 0.7,
      mastery_threshold: 0.95,
    },
    modules: [{ id: 30, course: 3, sort: 2 }],
    skills: [
      {
        id: 4,
        course: 3,
        name: "Comparing",
        p_init: 0.2,
        p_learn: 0.15,
        p_guess: 0.2,
        p_slip: 0.1,
      },
    ],
    lessons: [
      {
        id: 7,
        module: 30,
        sort: 1,
        title: "Comparing fractions",
        status: "published",
        kind: "lesson",
      },
      {
        id: 8,
        module: 30,
        sort: 2,
        title: "Ordering fractions",
        status: "draft",
        kind: "lesson",
      },
    ],
    lesson_prerequisites: [{ id: 100, lesson: 8, prerequisite: 7 }],
    questions: [
      {
        id: 57,
        lesson: 7,
        status: "published",
        prompt: "Which is larger?",
        type: "single_choice",
        choices: [{ id: "a" }, { id: "b" }],
        answer_key: { correct: "a" },
        points: 1,
      },
    ],
    question_skills: [{ id: 200, question: 57, skill: 4 }],
  };
}

/** A save of `payload` on an item with no stored row (a new one, or a bare one). */
function edit(
  collection: Edit["collection"],
  id: number,
  payload: object,
): Edit {
  return { collection, id, before: {}, payload: payload as Edit["payload"] };
}

describe("columnsOf", () => {
  it("keeps the columns the worker reads and turns relation objects into ids", () => {
    expect(
      columnsOf("lesson_prerequisites", {
        prerequisite: { id: 5 },
        lesson: "12",
        sort: 3,
      }),
    ).toEqual({ prerequisite: 5, lesson: 12 });
  });

  it("leaves aliases and the id out", () => {
    expect(
      columnsOf("lessons", {
        id: 7,
        prerequisites: { create: [{ prerequisite: { id: 8 } }] },
        title: "New title",
        body: "text",
      }),
    ).toEqual({ title: "New title" });
    expect(savedFields("questions", { skills: [1], explanation: "x" })).toEqual(
      [],
    );
  });

  it("reads a nested new item as no id yet", () => {
    expect(
      columnsOf("lesson_prerequisites", {
        prerequisite: { title: "New lesson" },
      }),
    ).toEqual({ prerequisite: null });
  });

  it("keeps JSON values as they are", () => {
    expect(columnsOf("questions", { answer_key: { correct: "z" } })).toEqual({
      answer_key: { correct: "z" },
    });
  });
});

describe("idOf", () => {
  it("reads numbers, numeric strings and {id} objects", () => {
    expect([idOf(5), idOf("6"), idOf({ id: "7" }), idOf(-1)]).toEqual([
      5, 6, 7, -1,
    ]);
    expect([idOf("a"), idOf(null), idOf(1.5), idOf({})]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});

describe("applyEdits and validationBody", () => {
  it("sends the course flat, questions with their skills", () => {
    expect(validationBody(lists())).toEqual({
      course: {
        id: 3,
        title: "Fractions",
        advance_threshold: 0.9,
        remediate_threshold: 0.7,
        mastery_threshold: 0.95,
      },
      skills: [
        {
          id: 4,
          name: "Comparing",
          p_init: 0.2,
          p_learn: 0.15,
          p_guess: 0.2,
          p_slip: 0.1,
        },
      ],
      lessons: [
        {
          id: 7,
          sort: 1,
          module_sort: 2,
          title: "Comparing fractions",
          status: "published",
          kind: "lesson",
        },
        {
          id: 8,
          sort: 2,
          module_sort: 2,
          title: "Ordering fractions",
          status: "draft",
          kind: "lesson",
        },
      ],
      prerequisites: [{ lesson: 8, prerequisite: 7 }],
      questions: [
        {
          id: 57,
          lesson: 7,
          status: "published",
          prompt: "Which is larger?",
          type: "single_choice",
          choices: [{ id: "a" }, { id: "b" }],
          answer_key: { correct: "a" },
          points: 1,
          skills: [4],
        },
      ],
    });
  });

  it("applies an update's payload to the stored row", () => {
    const edit: Edit = {
      collection: "questions",
      id: 57,
      before: lists().questions[0]!,
      payload: { answer_key: { correct: "z" } },
    };
    const body = validationBody(applyEdits(lists(), [edit]));
    expect(body.questions[0]?.["answer_key"]).toEqual({ correct: "z" });
    expect(body.questions[0]?.["choices"]).toEqual([{ id: "a" }, { id: "b" }]);
  });

  it("applies one payload to every key of a batch update", () => {
    const before = lists();
    before.questions.push({ ...before.questions[0]!, id: 58 });
    const edits: Edit[] = [57, 58].map((id) => ({
      collection: "questions",
      id,
      before: before.questions.find((q) => q["id"] === id)!,
      payload: { points: -1 },
    }));
    const body = validationBody(applyEdits(before, edits));
    expect(body.questions.map((q) => [q["id"], q["points"]])).toEqual([
      [57, -1],
      [58, -1],
    ]);
  });

  it("adds a new item with a negative id and its defaults", () => {
    const edit: Edit = {
      collection: "lesson_prerequisites",
      id: -1,
      before: {},
      payload: { lesson: 7, prerequisite: { id: 8 } },
    };
    const body = validationBody(applyEdits(lists(), [edit]));
    expect(body.prerequisites).toEqual([
      { lesson: 8, prerequisite: 7 },
      { lesson: 7, prerequisite: 8 },
    ]);
    const skill: Edit = {
      collection: "skills",
      id: -1,
      before: { p_init: 0.2, p_learn: 0.15, p_guess: 0.2, p_slip: 0.1 },
      payload: { course: 3, name: "Ordering", p_slip: 0.9 },
    };
    expect(validationBody(applyEdits(lists(), [skill])).skills[1]).toEqual({
      id: -1,
      name: "Ordering",
      p_init: 0.2,
      p_learn: 0.15,
      p_guess: 0.2,
      p_slip: 0.9,
    });
  });

  it("leaves out what is not in the course after the save", () => {
    const moved: Edit = {
      collection: "questions",
      id: 57,
      before: lists().questions[0]!,
      payload: { lesson: 999 },
    };
    const body = validationBody(applyEdits(lists(), [moved]));
    expect(body.questions).toEqual([]);
    const elsewhere = lists();
    elsewhere.skills.push({ id: 5, course: 4, name: "Other course" });
    expect(validationBody(elsewhere).skills.map((s) => s["id"])).toEqual([4]);
  });

  it("brings a moved lesson's links into its new course", () => {
    const moved: Edit = {
      collection: "lessons",
      id: 9,
      before: { id: 9, module: 99, sort: 1, title: "Decimals", kind: "lesson" },
      payload: { module: { id: 30 } },
    };
    const withMoved = withLinks(lists(), "lesson_prerequisites", [
      { id: 100, lesson: 8, prerequisite: 7 },
      { id: 101, lesson: 9, prerequisite: 90 },
    ]);
    expect(withMoved.lesson_prerequisites).toHaveLength(2);
    const body = validationBody(applyEdits(withMoved, [moved]));
    expect(body.lessons.map((l) => l["id"])).toEqual([7, 8, 9]);
    expect(body.prerequisites).toContainEqual({ lesson: 9, prerequisite: 90 });
    expect(
      withLinks(lists(), "question_skills", [
        { id: 200, question: 57, skill: 4 },
      ]),
    ).toEqual(lists());
  });

  it("drops a link to a lesson created in the same save (no id yet)", () => {
    const edit: Edit = {
      collection: "lesson_prerequisites",
      id: -1,
      before: {},
      payload: { lesson: 7, prerequisite: { title: "Brand new" } },
    };
    expect(validationBody(applyEdits(lists(), [edit])).prerequisites).toEqual([
      { lesson: 8, prerequisite: 7 },
    ]);
  });

  it("updates the course itself", () => {
    const edit: Edit = {
      collection: "courses",
      id: 3,
      before: lists().course,
      payload: { mastery_threshold: "1.5" },
    };
    expect(validationBody(applyEdits(lists(), [edit])).course).toMatchObject({
      id: 3,
      mastery_threshold: "1.5",
    });
  });

  it("cuts long prompts (they are only quoted in messages)", () => {
    const long = lists();
    long.questions[0]!["prompt"] = "x".repeat(500);
    expect(String(validationBody(long).questions[0]?.["prompt"]).length).toBe(
      120,
    );
  });
});

describe("withAliasLinks", () => {
  const skillsOf = (out: CourseLists, question: number) =>
    validationBody(out).questions.find((q) => q["id"] === question)?.["skills"];

  it("adds, keeps and removes links as the alias' create/update/delete says", () => {
    const base = {
      ...lists(),
      skills: [
        ...lists().skills,
        { id: 5, course: 3, name: "Ordering", p_init: 0.2 },
      ],
    };
    const added = withAliasLinks(base, "questions", 57, {
      skills: { create: [{ skill: { id: 5 } }], update: [], delete: [] },
    });
    expect(skillsOf(added, 57)).toEqual([4, 5]);
    const removed = withAliasLinks(base, "questions", 57, {
      skills: { create: [], update: [], delete: [200] },
    });
    expect(skillsOf(removed, 57)).toEqual([]);
    const changed = withAliasLinks(base, "questions", 57, {
      skills: { create: [], update: [{ id: 200, skill: 5 }], delete: [] },
    });
    expect(skillsOf(changed, 57)).toEqual([5]);
  });

  it("reads the list form as the parent's whole new set of links", () => {
    const kept = withAliasLinks(lists(), "questions", 57, {
      skills: [200, { skill: 9 }],
    });
    expect(skillsOf(kept, 57)).toEqual([4, 9]);
    const replaced = withAliasLinks(lists(), "questions", 57, {
      skills: [{ skill: 9 }],
    });
    expect(skillsOf(replaced, 57)).toEqual([9]);
  });

  it("gives a new question its skills, and a new link a negative id", () => {
    const withNew = applyEdits(lists(), [
      edit("questions", -1, { lesson: 7, prompt: "New", type: "true_false" }),
    ]);
    const out = withAliasLinks(withNew, "questions", -1, {
      skills: { create: [{ skill: 4 }] },
    });
    expect(skillsOf(out, -1)).toEqual([4]);
    expect(out.question_skills.at(-1)).toEqual({
      id: -1,
      question: -1,
      skill: 4,
    });
  });

  it("closes a cycle through a lesson's prerequisites alias", () => {
    const out = withAliasLinks(lists(), "lessons", 7, {
      prerequisites: { create: [{ prerequisite: { id: 8 } }] },
    });
    expect(validationBody(out).prerequisites).toEqual([
      { lesson: 8, prerequisite: 7 },
      { lesson: 7, prerequisite: 8 },
    ]);
  });

  it("changes nothing without the alias, or for a link to an item not created yet", () => {
    expect(withAliasLinks(lists(), "questions", 57, { prompt: "x" })).toEqual(
      lists(),
    );
    const nested = withAliasLinks(lists(), "questions", 57, {
      skills: { create: [{ skill: { name: "A new skill" } }] },
    });
    expect(skillsOf(nested, 57)).toEqual([4]);
  });

  it("puts the alias among the fields a parent's save touches", () => {
    expect(
      touchesOf(
        [edit("questions", 57, { skills: { delete: [200] } })],
        false,
      )[0]?.fields,
    ).toEqual(["skills"]);
  });
});

describe("touchesOf and refusals", () => {
  const keyProblem = {
    collection: "questions",
    id: 57,
    field: "answer_key",
    fields: ["answer_key", "type", "choices"],
    message: "Question 'Which is larger?': the answer key names choice \"z\".",
  };
  const cycle = (id: number) => ({
    collection: "lessons",
    id,
    field: "prerequisites",
    fields: ["prerequisites"],
    message:
      "'Comparing fractions' requires 'Ordering fractions', which requires 'Comparing fractions'.",
  });

  it("refuses a problem on a field the save writes, at that field", () => {
    const touches = touchesOf(
      [edit("questions", 57, { answer_key: {} })],
      false,
    );
    expect(refusals([keyProblem], touches)).toEqual([
      {
        field: "answer_key",
        message: keyProblem.message,
        collection: "questions",
        id: 57,
      },
    ]);
  });

  it("shows a problem at the field the editor changed when it depends on it", () => {
    const touches = touchesOf([edit("questions", 57, { choices: [] })], false);
    expect(refusals([keyProblem], touches)[0]?.field).toBe("choices");
  });

  it("lets a save through when the problem is on a field it leaves alone", () => {
    const touches = touchesOf(
      [edit("questions", 57, { prompt: "Reworded" })],
      false,
    );
    expect(refusals([keyProblem], touches)).toEqual([]);
  });

  it("lets a save through when the problem is on another item", () => {
    const touches = touchesOf(
      [edit("questions", 58, { answer_key: {} })],
      false,
    );
    expect(refusals([keyProblem, cycle(7)], touches)).toEqual([]);
  });

  it("refuses every problem of a new item", () => {
    const touches = touchesOf(
      [edit("questions", -1, { prompt: "New" })],
      false,
    );
    expect(refusals([{ ...keyProblem, id: -1 }], touches)).toHaveLength(1);
  });

  it("places a prerequisite link's problem at the junction field, or at the alias when nested", () => {
    const link: Edit = {
      collection: "lesson_prerequisites",
      id: -1,
      before: {},
      payload: { lesson: 7, prerequisite: 8 },
    };
    expect(refusals([cycle(7), cycle(8)], touchesOf([link], false))).toEqual([
      {
        field: "prerequisite",
        message: cycle(7).message,
        collection: "lessons",
        id: 7,
      },
    ]);
    expect(
      refusals([cycle(7), cycle(8)], touchesOf([link], true))[0]?.field,
    ).toBe("prerequisites");
  });

  it("places a skill link's problem on its question", () => {
    const link: Edit = {
      collection: "question_skills",
      id: 200,
      before: { id: 200, question: 57, skill: 4 },
      payload: { skill: 99 },
    };
    const problem = {
      collection: "questions",
      id: 57,
      field: "skills",
      fields: ["skills", "lesson"],
      message: "assesses skill 99",
    };
    expect(refusals([problem], touchesOf([link], false))).toEqual([
      {
        field: "skill",
        message: "assesses skill 99",
        collection: "questions",
        id: 57,
      },
    ]);
  });

  it("reports each message once per field in a batch", () => {
    const touches = touchesOf(
      [edit("lessons", 7, { module: 31 }), edit("lessons", 8, { module: 31 })],
      false,
    );
    const unknown = (id: number) => ({
      collection: "lessons",
      id,
      field: "prerequisites",
      fields: ["prerequisites", "module"],
      message: `lesson ${id} requires a lesson of another course`,
    });
    expect(
      refusals([unknown(7), unknown(8)], touches).map((r) => r.field),
    ).toEqual(["module", "module"]);
  });

  it("reads a problem without `fields` as depending on its field", () => {
    const { fields: _fields, ...bare } = keyProblem;
    const touches = touchesOf(
      [edit("questions", 57, { answer_key: {} })],
      false,
    );
    expect(refusals([bare], touches)).toHaveLength(1);
  });
});
