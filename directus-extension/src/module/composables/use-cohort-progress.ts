/**
 * The cohorts the viewer may read (a teacher: their own), and one cohort's progress:
 * its students by its course's skills (probability known), and each student's last
 * graded attempts in the course, for the stuck rule.
 */
import { useApi } from "@directus/extensions-sdk";
import type { Ref } from "vue";
import { personName, STUCK_WINDOW } from "../lib/progress.js";
import { lessonInCourse, readItems } from "./api.js";
import type { Person } from "./use-student-progress.js";
import { useLoad } from "./use-load.js";

export interface Cohort {
  id: number;
  name: string;
  course: {
    id: number;
    title: string;
    advance_threshold: number | null;
  } | null;
  students: { student: Person | null }[] | null;
}

export function useCohorts() {
  const api = useApi();
  return useLoad("the cohorts", () =>
    readItems<Cohort>(api, "cohorts", {
      fields: [
        "id",
        "name",
        "course.id",
        "course.title",
        "course.advance_threshold",
        "students.student.id",
        "students.student.first_name",
        "students.student.last_name",
        "students.student.email",
      ],
      sort: ["name"],
    }),
  );
}

export interface CohortStudent {
  id: string;
  name: string;
  /** Probability known per skill id (skills without a mastery row are missing). */
  pKnown: Map<number, number>;
  mastered: Set<number>;
  /** Latest graded attempts in the course, newest first (at most STUCK_WINDOW). */
  recent: { score: number; lesson: string; graded_at: string | null }[];
}

export interface CohortProgress {
  skills: { id: number; name: string }[];
  students: CohortStudent[];
}

export function useCohortProgress(cohort: Ref<Cohort | null>) {
  const api = useApi();
  return useLoad<CohortProgress>(
    "this cohort's progress",
    async () => {
      const picked = cohort.value;
      if (!picked?.course) return null;
      const course = picked.course.id;
      const people = (picked.students ?? [])
        .map((row) => row.student)
        .filter((person): person is Person => Boolean(person?.id));
      const ids = people.map((person) => person.id);
      const [skills, mastery, recent] = await Promise.all([
        readItems<{ id: number; name: string }>(api, "skills", {
          fields: ["id", "name"],
          filter: { course: { _eq: course } },
          sort: ["sort", "id"],
        }),
        ids.length > 0
          ? readItems<{
              student: string;
              skill: number;
              p_known: number | null;
              mastered: boolean | null;
            }>(api, "mastery", {
              fields: ["student", "skill", "p_known", "mastered"],
              filter: {
                _and: [
                  { student: { _in: ids } },
                  { skill: { course: { _eq: course } } },
                ],
              },
            })
          : Promise.resolve([]),
        // One small request per student: "their last three" is a per-student limit.
        Promise.all(
          ids.map((id) =>
            readItems<{
              score: number | null;
              graded_at: string | null;
              lesson: { title: string } | null;
            }>(api, "attempts", {
              fields: ["score", "graded_at", "lesson.title"],
              filter: {
                _and: [
                  { student: { _eq: id } },
                  { status: { _eq: "graded" } },
                  lessonInCourse(course),
                ],
              },
              sort: ["-graded_at"],
              limit: STUCK_WINDOW,
            }),
          ),
        ),
      ]);
      const students = people.map((person, index) => {
        const rows = mastery.filter((row) => row.student === person.id);
        return {
          id: person.id,
          name: personName(person),
          pKnown: new Map(rows.map((row) => [row.skill, row.p_known ?? 0])),
          mastered: new Set(
            rows.filter((row) => row.mastered).map((row) => row.skill),
          ),
          recent: (recent[index] ?? []).map((attempt) => ({
            score: attempt.score ?? 0,
            lesson: attempt.lesson?.title ?? "a lesson",
            graded_at: attempt.graded_at,
          })),
        };
      });
      students.sort((a, b) => a.name.localeCompare(b.name));
      return { skills, students };
    },
    cohort,
  );
}
