/**
 * The Pathwise module of the admin UI: a course map, a student view and a cohort view
 * for editors and teachers. Everything it shows is read with the signed-in user's own
 * API access, so Directus' permissions decide what each person sees.
 */
import { defineModule } from "@directus/extensions-sdk";
import { mayUseModule } from "./lib/access.js";
import CohortView from "./routes/cohort-view.vue";
import CourseMap from "./routes/course-map.vue";
import StudentView from "./routes/student-view.vue";

export default defineModule({
  id: "pathwise",
  name: "Pathwise",
  icon: "school",
  routes: [
    { path: "", redirect: { name: "pathwise-course-map" } },
    {
      name: "pathwise-course-map",
      path: "courses/:courseId?",
      component: CourseMap,
      props: true,
    },
    {
      name: "pathwise-student",
      path: "students/:studentId?",
      component: StudentView,
      props: true,
    },
    {
      name: "pathwise-cohort",
      path: "cohorts/:cohortId?",
      component: CohortView,
      props: true,
    },
  ],
  preRegisterCheck: mayUseModule,
});
