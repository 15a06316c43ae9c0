// A student's path through a course as the home page shows it: every lesson with its
// state (done / available / locked), the current lesson and the progress. The worker's
// `learning_paths` row is the truth once the student has an attempt in the course; before
// that, the app works out the same rule from the prerequisites (nothing done yet: a lesson
// is available when it has no prerequisites). Pure: no Vue, no I/O.
import type { LearningPath, Lesson, Module, StepState } from "./types";

export interface PathEntry {
  lesson: Lesson;
  module: Module | null;
  state: StepState;
  current: boolean;
}

export interface PathView {
  entries: PathEntry[];
  current: Lesson | null;
  /** Share of steps done, 0..1. */
  progress: number;
  done: number;
  total: number;
  /** Whether the states come from the worker (else worked out here). */
  fromWorker: boolean;
}

function moduleId(lesson: Lesson): number {
  return typeof lesson.module === "object" ? lesson.module.id : lesson.module;
}

/** Regular and practice lessons in course order (module, then lesson sort); remediation
 * lessons are reached through recommendations, not the path. */
export function courseOrder(lessons: Lesson[], modules: Module[]): Lesson[] {
  const moduleSort = new Map(modules.map((m) => [m.id, m.sort ?? 0]));
  return lessons
    .filter((l) => l.kind !== "remediation")
    .slice()
    .sort(
      (a, b) =>
        (moduleSort.get(moduleId(a)) ?? 0) -
          (moduleSort.get(moduleId(b)) ?? 0) ||
        (a.sort ?? 0) - (b.sort ?? 0) ||
        a.id - b.id,
    );
}

/** The state of each lesson when no attempt is recorded yet: done never; available when
 * every prerequisite is done (so: when it has none); locked otherwise. */
export function initialStates(
  lessons: Lesson[],
  done: Set<number> = new Set(),
): Map<number, StepState> {
  const states = new Map<number, StepState>();
  for (const lesson of lessons) {
    if (done.has(lesson.id)) {
      states.set(lesson.id, "done");
      continue;
    }
    const prerequisites = (lesson.prerequisites ?? []).map(
      (p) => p.prerequisite,
    );
    states.set(
      lesson.id,
      prerequisites.every((p) => done.has(p)) ? "available" : "locked",
    );
  }
  return states;
}

export function buildPath(
  lessons: Lesson[],
  modules: Module[],
  path: LearningPath | null,
): PathView {
  const ordered = courseOrder(lessons, modules);
  const byId = new Map(lessons.map((l) => [l.id, l]));
  const modulesById = new Map(modules.map((m) => [m.id, m]));
  let entries: PathEntry[];
  let current: Lesson | null;
  if (path && Array.isArray(path.steps) && path.steps.length > 0) {
    // The worker's order (prerequisite order) and states; lessons it does not know yet
    // (added since its last write) follow, worked out here.
    const known = new Set(path.steps.map((s) => s.lesson));
    const done = new Set(
      path.steps.filter((s) => s.state === "done").map((s) => s.lesson),
    );
    const extra = initialStates(
      ordered.filter((l) => !known.has(l.id)),
      done,
    );
    const steps = [
      ...path.steps.filter((s) => byId.has(s.lesson)),
      ...ordered
        .filter((l) => !known.has(l.id))
        .map((l) => ({ lesson: l.id, state: extra.get(l.id)! })),
    ];
    current =
      path.current_lesson != null
        ? (byId.get(path.current_lesson) ?? null)
        : null;
    entries = steps.map((s) => {
      const lesson = byId.get(s.lesson)!;
      return {
        lesson,
        module: modulesById.get(moduleId(lesson)) ?? null,
        state: s.state,
        current: false,
      };
    });
  } else {
    const states = initialStates(ordered);
    entries = ordered.map((lesson) => ({
      lesson,
      module: modulesById.get(moduleId(lesson)) ?? null,
      state: states.get(lesson.id)!,
      current: false,
    }));
    current = entries.find((e) => e.state === "available")?.lesson ?? null;
  }
  for (const entry of entries)
    entry.current = current !== null && entry.lesson.id === current.id;
  const done = entries.filter((e) => e.state === "done").length;
  const total = entries.length;
  return {
    entries,
    current,
    progress: path?.progress ?? (total === 0 ? 0 : done / total),
    done,
    total,
    fromWorker: !!path && Array.isArray(path.steps) && path.steps.length > 0,
  };
}

/** "3 of 12 lessons done (25%)". */
export function progressLabel(
  view: Pick<PathView, "done" | "total" | "progress">,
): string {
  return `${view.done} of ${view.total} lesson${view.total === 1 ? "" : "s"} done (${Math.round(view.progress * 100)}%)`;
}

export const STATE_LABELS: Record<StepState, string> = {
  done: "Done",
  available: "Available",
  locked: "Locked",
};
