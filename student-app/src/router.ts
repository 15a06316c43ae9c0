import { createRouter, createWebHashHistory } from "vue-router";
import { useSession } from "./composables/useSession";
import HomePage from "./pages/HomePage.vue";
import LessonPage from "./pages/LessonPage.vue";
import LoginPage from "./pages/LoginPage.vue";

// Hash history: any static server serves the app, no rewrite rules needed.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    {
      path: "/",
      name: "home",
      component: HomePage,
      meta: { title: "Your path" },
    },
    {
      path: "/login",
      name: "login",
      component: LoginPage,
      meta: { title: "Sign in", public: true },
    },
    {
      path: "/lesson/:id(\\d+)",
      name: "lesson",
      component: LessonPage,
      props: (r) => ({ id: Number(r.params.id) }),
      meta: { title: "Lesson" },
    },
    { path: "/:rest(.*)*", redirect: "/" },
  ],
});

router.beforeEach(async (to) => {
  const session = useSession();
  await session.init();
  if (!to.meta.public && !session.state.me)
    return { name: "login", query: { next: to.fullPath } };
  if (to.name === "login" && session.state.me) return { name: "home" };
  return true;
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? "Pathwise")} · Pathwise`;
});
