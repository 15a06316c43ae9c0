// How next steps read: each recommendation with a title, what to do and its reason.
// Pure: no Vue, no I/O.
import type { Recommendation, RecommendationKind } from "./types";

export const KIND_TITLES: Record<RecommendationKind, string> = {
  advance: "Advance",
  remediate: "Remediation",
  practice: "Practice",
  review: "Review",
};

/** "3 practice problems", "1 practice problem", or null without questions. */
export function practiceCount(
  questions: readonly number[] | null | undefined,
): string | null {
  const n = questions?.length ?? 0;
  if (n === 0) return null;
  return `${n} practice problem${n === 1 ? "" : "s"}`;
}

/** Highest priority first; ties keep the worker's order. */
export function sortRecommendations<T extends Pick<Recommendation, "priority">>(
  items: T[],
): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort(
      (a, b) =>
        (b.item.priority ?? 0) - (a.item.priority ?? 0) || a.index - b.index,
    )
    .map(({ item }) => item);
}

/**
 * A one-line summary of the next steps: "Advance", or "Remediation plus 3 practice
 * problems", or "Practice: 3 practice problems".
 */
export function summarize(
  items: readonly Pick<Recommendation, "kind" | "questions">[],
): string {
  const kinds = new Set(items.map((r) => r.kind));
  const practice = items.find(
    (r) => r.kind === "practice" && (r.questions?.length ?? 0) > 0,
  );
  const count = practice ? practiceCount(practice.questions) : null;
  if (kinds.has("remediate"))
    return count ? `Remediation plus ${count}` : "Remediation";
  if (kinds.has("advance")) return "Advance";
  if (kinds.has("practice")) return count ? `Practice: ${count}` : "Practice";
  if (kinds.has("review")) return "Review";
  return "No next steps yet";
}

/** Reviews whose due date has passed (or is within `slackMs`). */
export function dueReviews<T extends { due_at: string | null }>(
  mastery: T[],
  now: Date = new Date(),
  slackMs = 0,
): T[] {
  return mastery
    .filter(
      (m) =>
        m.due_at !== null &&
        new Date(m.due_at).getTime() <= now.getTime() + slackMs,
    )
    .sort(
      (a, b) => new Date(a.due_at!).getTime() - new Date(b.due_at!).getTime(),
    );
}

/** The review due soonest after `now`, if any (shown when nothing is due yet). */
export function nextReview<T extends { due_at: string | null }>(
  mastery: T[],
  now: Date = new Date(),
): T | null {
  const upcoming = mastery
    .filter(
      (m) => m.due_at !== null && new Date(m.due_at).getTime() > now.getTime(),
    )
    .sort(
      (a, b) => new Date(a.due_at!).getTime() - new Date(b.due_at!).getTime(),
    );
  return upcoming[0] ?? null;
}
