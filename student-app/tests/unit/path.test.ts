import { describe, expect, it } from "vitest";
import { buildPath, courseOrder, progressLabel } from "../../src/lib/path";
import type { Lesson, Module } from "../../src/lib/types";

const modules: Module[] = [
  { id: 2, title: "Working", sort: 2, course: 1 },
  { id: 1, title: "Foundations", sort: 1, course: 1 },
];
const lesson = (
  id: number,
  module: number,
  sort: number,
  prerequisites: number[] = [],
  kind: Lesson["kind"] = "lesson",
): Lesson => ({
  id,
  title: `L${id}`,
  kind,
  sort,
  module,
  prerequisites: prerequisites.map((prerequisite) => ({ prerequisite })),
});
const lessons = [
  lesson(30, 2, 1, [10, 20]),
  lesson(10, 1, 1),
  lesson(20, 1, 2, [10]),
  lesson(40, 1, 3, [], "remediation"),
];

describe("the path on the home page", () => {
  it("orders lessons by module then lesson, without remediation lessons", () => {
    expect(courseOrder(lessons, modules).map((l) => l.id)).toEqual([
      10, 20, 30,
    ]);
  });

  it("before any attempt: lessons without prerequisites are available, the rest locked", () => {
    const view = buildPath(lessons, modules, null);
    expect(view.entries.map((e) => [e.lesson.id, e.state])).toEqual([
      [10, "available"],
      [20, "locked"],
      [30, "locked"],
    ]);
    expect(view.current?.id).toBe(10);
    expect(view.entries.find((e) => e.current)?.lesson.id).toBe(10);
    expect(view.fromWorker).toBe(false);
    expect(progressLabel(view)).toBe("0 of 3 lessons done (0%)");
  });

  it("uses the worker's path when there is one: its order, states, current lesson and progress", () => {
    const view = buildPath(lessons, modules, {
      course: 1,
      steps: [
        { lesson: 10, state: "done" },
        { lesson: 20, state: "available" },
        { lesson: 30, state: "locked" },
      ],
      current_lesson: 20,
      progress: 1 / 3,
    });
    expect(view.entries.map((e) => e.state)).toEqual([
      "done",
      "available",
      "locked",
    ]);
    expect(view.current?.id).toBe(20);
    expect(view.done).toBe(1);
    expect(progressLabel(view)).toBe("1 of 3 lessons done (33%)");
    expect(view.fromWorker).toBe(true);
  });

  it("adds lessons the worker's path does not know yet, by their prerequisites", () => {
    const more = [...lessons, lesson(50, 1, 4, [10]), lesson(60, 1, 5, [20])];
    const view = buildPath(more, modules, {
      course: 1,
      steps: [
        { lesson: 10, state: "done" },
        { lesson: 20, state: "available" },
      ],
      current_lesson: 20,
      progress: 0.5,
    });
    const states = Object.fromEntries(
      view.entries.map((e) => [e.lesson.id, e.state]),
    );
    expect(states).toEqual({
      10: "done",
      20: "available",
      30: "locked",
      50: "available",
      60: "locked",
    });
  });

  it("has no current lesson when everything is done", () => {
    const view = buildPath([lesson(10, 1, 1)], modules, {
      course: 1,
      steps: [{ lesson: 10, state: "done" }],
      current_lesson: null,
      progress: 1,
    });
    expect(view.current).toBeNull();
    expect(progressLabel(view)).toBe("1 of 1 lesson done (100%)");
  });
});
