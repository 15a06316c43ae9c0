/**
 * One student's progress, as far as the viewer may read it: their learning paths, their
 * mastery per skill (with due reviews), their recent attempts and their active
 * recommendations. Also: the students whose records the viewer may read.
 */
import { useApi } from "@directus/extensions-sdk";
import type { Ref } from "vue";
import { personName } from "../lib/progress.js";
import { readItems } from "./api.js";
import { useLoad } from "./use-load.js";

export interface Person {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
}

export interface StudentOption {
  id: string;
  name: string;
  email: string | null;
}

/**
 * Students with a profile the viewer may read (a profile is written with a student's
 * first graded attempt): Directus' permissions decide whose, e.g. a teacher's cohorts.
 */
export function useStudents() {
  const api = useApi();
  return useLoad("the students", async () => {
    const profiles = await readItems<{ student: Person | null }>(
      api,
      "student_profiles",
      {
        fields: [
          "student.id",
          "student.first_name",
          "student.last_name",
          "student.email",
        ],
      },
    );
    const students = new Map<string, StudentOption>();
    for (const { student } of profiles) {
      if (!student?.id) continue;
      students.set(student.id, {
        id: student.id,
        name: personName(student),
        email: student.email,
      });
    }
    return [...students.values()].sort((a, b) => a.name.localeCompare(b.name));
  });
}

export type StepState = "done" | "available" | "locked";

export interface PathRow {
  id: number;
  course: { id: number; title: string } | null;
  steps: { lesson: number; state: StepState }[] | null;
  current_lesson: number | null;
  progress: number | null;
}

export interface MasteryRow {
  id: number;
  p_known: number | null;
  mastered: boolean | null;
  observations: number | null;
  due_at: string | null;
  skill: { id: number; name: string; sort: number | null } | null;
}

export interface AttemptRow {
  id: number;
  status: string;
  score: number | null;
  rejection_reason: string | null;
  graded_at: string | null;
  date_created: string | null;
  lesson: { id: number; title: string } | null;
}

export interface RecommendationRow {
  id: number;
  kind: string;
  reason: string | null;
  date_created: string | null;
  lesson: { id: number; title: string } | null;
  skill: { id: number; name: string } | null;
  course: { id: number; title: string } | null;
}

export interface StudentProgress {
  paths: PathRow[];
  /** Titles of the lessons on the paths, by id. */
  lessonTitles: Map<number, string>;
  mastery: MasteryRow[];
  attempts: AttemptRow[];
  recommendations: RecommendationRow[];
}

/** How many recent attempts the student view lists. */
export const RECENT_ATTEMPTS = 10;

export function useStudentProgress(student: Ref<string | null>) {
  const api = useApi();
  return useLoad<StudentProgress>(
    "this student's progress",
    async () => {
      const id = student.value;
      if (!id) return null;
      const own = { student: { _eq: id } };
      const [paths, mastery, attempts, recommendations] = await Promise.all([
        readItems<PathRow>(api, "learning_paths", {
          fields: [
            "id",
            "course.id",
            "course.title",
            "steps",
            "current_lesson",
            "progress",
          ],
          filter: own,
        }),
        readItems<MasteryRow>(api, "mastery", {
          fields: [
            "id",
            "p_known",
            "mastered",
            "observations",
            "due_at",
            "skill.id",
            "skill.name",
            "skill.sort",
          ],
          filter: own,
        }),
        readItems<AttemptRow>(api, "attempts", {
          fields: [
            "id",
            "status",
            "score",
            "rejection_reason",
            "graded_at",
            "date_created",
            "lesson.id",
            "lesson.title",
          ],
          filter: own,
          sort: ["-date_created"],
          limit: RECENT_ATTEMPTS,
        }),
        readItems<RecommendationRow>(api, "recommendations", {
          fields: [
            "id",
            "kind",
            "reason",
            "date_created",
            "lesson.id",
            "lesson.title",
            "skill.id",
            "skill.name",
            "course.id",
            "course.title",
          ],
          filter: { _and: [own, { status: { _eq: "active" } }] },
          sort: ["priority", "-date_created"],
        }),
      ]);
      const lessonIds = [
        ...new Set(
          paths.flatMap((path) =>
            (path.steps ?? []).map((step) => step.lesson),
          ),
        ),
      ];
      const lessons =
        lessonIds.length > 0
          ? await readItems<{ id: number; title: string }>(api, "lessons", {
              fields: ["id", "title"],
              filter: { id: { _in: lessonIds } },
            })
          : [];
      mastery.sort(
        (a, b) =>
          (a.skill?.sort ?? 0) - (b.skill?.sort ?? 0) ||
          (a.skill?.id ?? 0) - (b.skill?.id ?? 0),
      );
      return {
        paths,
        lessonTitles: new Map(
          lessons.map((lesson) => [lesson.id, lesson.title]),
        ),
        mastery,
        attempts,
        recommendations,
      };
    },
    student,
  );
}
