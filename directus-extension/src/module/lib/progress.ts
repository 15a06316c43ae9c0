/**
 * What the module tells about learners' progress, computed from rows the signed-in user
 * may read: pass rates, who is stuck, which reviews are due. Pure, unit-tested.
 */

/** One group of an aggregate answer: `{"lesson": 3, "count": {"id": "5"}}`. */
export interface AggregateRow {
  lesson: number | string | null;
  count: unknown;
}

export interface PassRate {
  graded: number;
  passed: number;
  /** passed / graded; null when nothing was graded. */
  rate: number | null;
}

/**
 * Directus answers a count as a number or a numeric string (SQLite and PostgreSQL
 * differ), and under `count: {"id": ...}` or plain, depending on how it was asked.
 */
export function countOf(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") return Number(value) || 0;
  if (value && typeof value === "object") {
    const first = Object.values(value)[0];
    return countOf(first);
  }
  return 0;
}

/** Pass rate per lesson from two aggregates: graded attempts, and those that passed. */
export function passRates(
  graded: AggregateRow[],
  passed: AggregateRow[],
): Map<number, PassRate> {
  const rates = new Map<number, PassRate>();
  for (const row of graded) {
    if (row.lesson === null) continue;
    const count = countOf(row.count);
    rates.set(Number(row.lesson), { graded: count, passed: 0, rate: null });
  }
  for (const row of passed) {
    if (row.lesson === null) continue;
    const rate = rates.get(Number(row.lesson));
    if (rate) rate.passed = countOf(row.count);
  }
  for (const rate of rates.values()) {
    rate.rate = rate.graded > 0 ? rate.passed / rate.graded : null;
  }
  return rates;
}

/** How many of a student's latest graded attempts the "stuck" rule looks at. */
export const STUCK_WINDOW = 3;

export type Standing = "stuck" | "on-track" | "too-early";

/**
 * The stuck rule, kept simple so a teacher can check it by hand: a student is stuck when
 * none of their last {@link STUCK_WINDOW} graded attempts in the course reached the
 * course's advance threshold. With fewer graded attempts it is too early to tell.
 *
 * `scores` are the student's graded scores in the course, newest first.
 */
export function standing(scores: number[], advanceThreshold: number): Standing {
  if (scores.length < STUCK_WINDOW) return "too-early";
  const recent = scores.slice(0, STUCK_WINDOW);
  return recent.some((score) => score >= advanceThreshold)
    ? "on-track"
    : "stuck";
}

/** A mastery row's review is due when its due date has come. */
export function isDue(dueAt: string | null | undefined, now: Date): boolean {
  if (!dueAt) return false;
  const due = new Date(dueAt);
  return !Number.isNaN(due.getTime()) && due.getTime() <= now.getTime();
}

/** 0.666 -> "67%". */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return `${Math.round(value * 100)}%`;
}

/**
 * A probability known, rounded down: an estimate of 0.996 reads "99%", never a certain
 * "100%" (as the worker words it in recommendations' reasons).
 */
export function knownPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return `${Math.floor(value * 100)}%`;
}

/**
 * A heat-map cell's background for a probability known (0..1): red through amber to
 * green, light enough for dark text. Null (no mastery row yet): no colour.
 */
export function heatColor(pKnown: number | null | undefined): string {
  if (pKnown === null || pKnown === undefined || Number.isNaN(pKnown)) {
    return "transparent";
  }
  const clamped = Math.min(1, Math.max(0, pKnown));
  return `hsl(${Math.round(clamped * 120)} 65% 82%)`;
}

/** How the module names a person: "Ada Student", else their email, else their id. */
export function personName(
  user:
    | {
        id?: string | null;
        first_name?: string | null;
        last_name?: string | null;
        email?: string | null;
      }
    | string
    | null
    | undefined,
): string {
  if (!user) return "Unknown student";
  if (typeof user === "string") return user;
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
  return name || user.email || user.id || "Unknown student";
}

/**
 * What a stuck student's last attempts were, in one sentence's worth:
 * "29%, 29% and 29% on 'What is a fraction?'" or "40% on 'A' and 20% on 'B'".
 */
export function recentScores(
  recent: { score: number; lesson: string }[],
): string {
  const lessons = new Set(recent.map((attempt) => attempt.lesson));
  const and = (parts: string[]) =>
    parts.length > 1
      ? `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`
      : (parts[0] ?? "");
  if (lessons.size === 1) {
    return `${and(recent.map((attempt) => percent(attempt.score)))} on '${[...lessons][0]}'`;
  }
  return and(
    recent.map((attempt) => `${percent(attempt.score)} on '${attempt.lesson}'`),
  );
}
