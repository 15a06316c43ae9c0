// The student's records (profile, paths, recommendations, mastery, recent attempts) and the
// course content they need, shared by the pages and kept live over Directus realtime:
// an attempt graded another way and its recommendations arrive without a reload.
import { reactive } from "vue";
import { call, readItems } from "../lib/api";
import { AppError, fromDirectusError } from "../lib/errors";
import type {
  Attempt,
  Badge,
  Course,
  LearningPath,
  Lesson,
  Mastery,
  Message,
  Module,
  Profile,
  Recommendation,
  Skill,
} from "../lib/types";
import { useSession } from "./useSession";

export interface Notice {
  id: number;
  text: string;
}

const state = reactive({
  loaded: false,
  loading: false,
  error: null as AppError | null,
  courses: [] as Course[],
  modules: [] as Module[],
  lessons: [] as Lesson[],
  skills: [] as Skill[],
  paths: [] as LearningPath[],
  profile: null as Profile | null,
  recommendations: [] as Recommendation[],
  mastery: [] as Mastery[],
  attempts: [] as Attempt[],
  badges: [] as Badge[],
  /** The latest messages (reminders, review lists, badge news), newest first. */
  messages: [] as Message[],
  /** Lesson of each practice question named by a recommendation. */
  questionLessons: {} as Record<number, number>,
  /** Realtime news, newest first ("Your attempt on … was graded: 80%"). */
  notices: [] as Notice[],
  live: "off" as "off" | "connecting" | "on" | "lost",
});

let noticeId = 0;
let subscribed = false;
let reloadTimer: ReturnType<typeof setTimeout> | null = null;

async function load(): Promise<void> {
  const { client, reportOutage } = useSession();
  const c = client.value;
  if (!c) return;
  state.loading = true;
  try {
    const [
      courses,
      modules,
      lessons,
      skills,
      paths,
      profiles,
      recommendations,
      mastery,
      attempts,
      badges,
      messages,
    ] = await Promise.all([
      call<Course[]>(
        c,
        readItems("courses", {
          fields: ["id", "title", "summary", "sort"],
          sort: ["sort", "id"],
          limit: -1,
        }),
      ),
      call<Module[]>(
        c,
        readItems("modules", {
          fields: ["id", "title", "sort", "course"],
          limit: -1,
        }),
      ),
      call<Lesson[]>(
        c,
        readItems("lessons", {
          fields: [
            "id",
            "title",
            "kind",
            "sort",
            "module",
            "estimated_minutes",
            "video_url",
            "prerequisites.prerequisite",
          ],
          limit: -1,
        }),
      ),
      call<Skill[]>(
        c,
        readItems("skills", { fields: ["id", "name", "course"], limit: -1 }),
      ),
      call<LearningPath[]>(
        c,
        readItems("learning_paths", {
          fields: ["id", "course", "steps", "current_lesson", "progress"],
          limit: -1,
        }),
      ),
      call<Profile[]>(
        c,
        readItems("student_profiles", {
          fields: ["xp", "streak_days", "longest_streak", "last_active_at"],
          limit: 1,
        }),
      ),
      call<Recommendation[]>(
        c,
        readItems("recommendations", {
          filter: { status: { _eq: "active" } },
          fields: [
            "id",
            "kind",
            "lesson",
            "skill",
            "questions",
            "reason",
            "priority",
            "attempt",
            "status",
            "course",
            "date_created",
          ],
          sort: ["-priority", "id"],
          limit: -1,
        }),
      ),
      call<Mastery[]>(
        c,
        readItems("mastery", {
          fields: ["skill", "p_known", "mastered", "due_at"],
          limit: -1,
        }),
      ),
      call<Attempt[]>(
        c,
        readItems("attempts", {
          fields: [
            "id",
            "lesson",
            "status",
            "score",
            "rejection_reason",
            "submitted_at",
            "graded_at",
            "date_created",
          ],
          sort: ["-id"],
          limit: 10,
        }),
      ),
      call<Badge[]>(
        c,
        readItems("badges", {
          fields: ["id", "badge", "title", "description", "date_created"],
          sort: ["id"],
          limit: -1,
        }),
      ),
      call<Message[]>(
        c,
        readItems("messages", {
          fields: ["id", "kind", "subject", "body", "sent_at"],
          sort: ["-id"],
          limit: 5,
        }),
      ),
    ]);
    const wanted = [
      ...new Set(recommendations.flatMap((r) => r.questions ?? [])),
    ].filter((id) => !(id in state.questionLessons));
    if (wanted.length > 0) {
      const found = await call<{ id: number; lesson: number }[]>(
        c,
        readItems("questions", {
          filter: { id: { _in: wanted } },
          fields: ["id", "lesson"],
          limit: -1,
        }),
      );
      for (const q of found) state.questionLessons[q.id] = q.lesson;
    }
    Object.assign(state, {
      courses,
      modules,
      lessons,
      skills,
      paths,
      profile: profiles[0] ?? null,
      recommendations,
      mastery,
      attempts,
      badges,
      messages,
      loaded: true,
      error: null,
    });
    reportOutage(null);
  } catch (error) {
    const e = fromDirectusError(error);
    state.error = e;
    reportOutage(e);
  } finally {
    state.loading = false;
  }
}

function scheduleReload(): void {
  if (reloadTimer) clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => {
    reloadTimer = null;
    void load();
  }, 150);
}

/** A notice for a while (10 s); the same news twice in a row shows once. */
function notify(text: string): void {
  if (state.notices[0]?.text === text) return;
  const id = ++noticeId;
  state.notices.unshift({ id, text });
  state.notices.splice(3);
  setTimeout(() => {
    const index = state.notices.findIndex((n) => n.id === id);
    if (index >= 0) state.notices.splice(index, 1);
  }, 10_000);
}

function lessonTitle(id: number | null | undefined): string {
  return (
    state.lessons.find((l) => l.id === id)?.title ??
    (id ? `lesson ${id}` : "a lesson")
  );
}

type Event = { type: string; event?: string; data?: Record<string, unknown>[] };

/** Subscribes (once per sign-in) to the student's records; each change reloads them. */
async function goLive(): Promise<void> {
  const { client } = useSession();
  const c = client.value;
  if (!c || subscribed) return;
  subscribed = true;
  state.live = "connecting";
  c.onWebSocket("open", () => (state.live = "on"));
  c.onWebSocket("close", () => (state.live = "lost"));
  try {
    await c.connect();
    state.live = "on";
  } catch {
    state.live = "lost";
    subscribed = false;
    return;
  }
  const watch = async (
    collection: string,
    fields: string[],
    onEvent?: (e: Event) => void,
  ) => {
    const { subscription } = await c.subscribe(
      collection as never,
      { query: { fields } } as never,
    );
    for await (const message of subscription as AsyncIterable<Event>) {
      if (message.event === "init") continue;
      onEvent?.(message);
      scheduleReload();
    }
  };
  void watch("attempts", ["id", "lesson", "status", "score"], (e) => {
    for (const attempt of e.data ?? []) {
      if (attempt.status === "graded" && typeof attempt.score === "number") {
        notify(
          `Your attempt on "${lessonTitle(attempt.lesson as number)}" was graded: ${Math.round(attempt.score * 100)}%.`,
        );
      } else if (attempt.status === "rejected") {
        notify(
          `Your attempt on "${lessonTitle(attempt.lesson as number)}" could not be graded.`,
        );
      }
    }
  }).catch(() => (state.live = "lost"));
  void watch("recommendations", ["id", "kind", "status"], (e) => {
    if (e.event === "create") notify("New next steps are ready.");
  }).catch(() => (state.live = "lost"));
  void watch("badges", ["id", "title"], (e) => {
    if (e.event !== "create") return;
    for (const badge of e.data ?? [])
      notify(`New badge: ${String(badge.title ?? "")}`);
  }).catch(() => (state.live = "lost"));
  for (const collection of [
    "learning_paths",
    "student_profiles",
    "mastery",
    "messages",
  ]) {
    void watch(collection, ["id"]).catch(() => (state.live = "lost"));
  }
}

function reset(): void {
  subscribed = false;
  Object.assign(state, {
    loaded: false,
    courses: [],
    modules: [],
    lessons: [],
    skills: [],
    paths: [],
    profile: null,
    recommendations: [],
    mastery: [],
    attempts: [],
    badges: [],
    messages: [],
    questionLessons: {},
    notices: [],
    live: "off",
  });
}

export function useStudent() {
  return { state, load, goLive, reset, notify, lessonTitle };
}
