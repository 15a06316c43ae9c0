/**
 * The courses the viewer may read, and one course's map: its lessons, their
 * prerequisites and each lesson's pass rate over the graded attempts the viewer may
 * read (two aggregate requests: graded attempts per lesson, and those scoring at least
 * the course's advance threshold).
 */
import { useApi } from "@directus/extensions-sdk";
import type { Ref } from "vue";
import {
  layoutCourseGraph,
  type CourseGraph,
  type MapLesson,
} from "../lib/graph.js";
import {
  passRates,
  type AggregateRow,
  type PassRate,
} from "../lib/progress.js";
import { lessonInCourse, readItems } from "./api.js";
import { useLoad } from "./use-load.js";

export interface Course {
  id: number;
  title: string;
  status: string;
  advance_threshold: number | null;
}

/** The course's threshold, or Pathwise's default when an editor cleared it. */
export function advanceThreshold(course: Course): number {
  return course.advance_threshold ?? 0.9;
}

export function useCourses() {
  const api = useApi();
  return useLoad("the courses", () =>
    readItems<Course>(api, "courses", {
      fields: ["id", "title", "status", "advance_threshold"],
      sort: ["sort", "title"],
    }),
  );
}

export interface MapLessonRow extends MapLesson {
  moduleTitle: string;
}

export interface CourseMap {
  lessons: Map<number, MapLessonRow>;
  graph: CourseGraph;
  rates: Map<number, PassRate>;
}

interface LessonRow {
  id: number;
  title: string;
  kind: string;
  status: string;
  sort: number | null;
  module: { id: number; title: string; sort: number | null } | null;
}

export function useCourseMap(course: Ref<Course | null>) {
  const api = useApi();
  return useLoad<CourseMap>(
    "the course map",
    async () => {
      const picked = course.value;
      if (!picked) return null;
      const inCourse = lessonInCourse(picked.id);
      const graded = { status: { _eq: "graded" } };
      const [lessonRows, prerequisites, gradedRows, passedRows] =
        await Promise.all([
          readItems<LessonRow>(api, "lessons", {
            fields: [
              "id",
              "title",
              "kind",
              "status",
              "sort",
              "module.id",
              "module.title",
              "module.sort",
            ],
            filter: { module: { course: { _eq: picked.id } } },
          }),
          readItems<{ lesson: number; prerequisite: number }>(
            api,
            "lesson_prerequisites",
            { fields: ["lesson", "prerequisite"], filter: inCourse },
          ),
          readItems<AggregateRow>(api, "attempts", {
            fields: [],
            aggregate: { count: ["id"] },
            groupBy: ["lesson"],
            filter: { _and: [graded, inCourse] },
          }),
          readItems<AggregateRow>(api, "attempts", {
            fields: [],
            aggregate: { count: ["id"] },
            groupBy: ["lesson"],
            filter: {
              _and: [
                graded,
                inCourse,
                { score: { _gte: advanceThreshold(picked) } },
              ],
            },
          }),
        ]);
      const lessons = new Map<number, MapLessonRow>(
        lessonRows.map((row) => [
          row.id,
          {
            id: row.id,
            title: row.title,
            kind: row.kind,
            status: row.status,
            sort: row.sort ?? 0,
            moduleSort: row.module?.sort ?? 0,
            moduleTitle: row.module?.title ?? "",
          },
        ]),
      );
      return {
        lessons,
        graph: layoutCourseGraph([...lessons.values()], prerequisites),
        rates: passRates(gradedRows, passedRows),
      };
    },
    course,
  );
}
