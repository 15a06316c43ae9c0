// What a student's input becomes in an attempt's `answers` (docs/answer-keys.md), and
// whether a question counts as answered. Pure: no Vue, no I/O.
import type { Choice, Question, QuestionType } from "./types";

/** The value an input holds while the student works: its shape depends on the type. */
export type Draft = string | string[] | boolean | null;

/** The empty value of a question's input. Ordering starts in the order the choices come. */
export function emptyDraft(
  question: Pick<Question, "type" | "choices">,
): Draft {
  switch (question.type) {
    case "multiple_choice":
      return [];
    case "ordering":
      return (question.choices ?? []).map((c) => String(c.id));
    case "true_false":
      return null;
    default:
      return "";
  }
}

/**
 * The answer the worker grades, or `undefined` when the student gave none (the worker
 * grades a missing answer as "No answer was given.").
 */
export function toAnswer(type: QuestionType, draft: Draft): unknown {
  switch (type) {
    case "single_choice":
      return typeof draft === "string" && draft !== "" ? draft : undefined;
    case "multiple_choice":
      return Array.isArray(draft) && draft.length > 0 ? [...draft] : undefined;
    case "true_false":
      return typeof draft === "boolean" ? draft : undefined;
    case "numeric": {
      if (typeof draft !== "string" || draft.trim() === "") return undefined;
      const text = draft.trim().replace(/\s+/g, " ");
      // A plain number goes as a number; anything else (3/4, 1 1/2, 0,5) as typed, so
      // the worker can accept fractions and say what is wrong with the rest.
      const plain = text.replace(",", ".");
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(plain)
        ? Number(plain)
        : text;
    }
    case "fraction":
    case "short_text":
      return typeof draft === "string" && draft.trim() !== ""
        ? draft.trim()
        : undefined;
    case "ordering":
      return Array.isArray(draft) && draft.length > 0 ? [...draft] : undefined;
  }
}

/** Whether the student has given an answer (ordering always has one: the order shown). */
export function isAnswered(type: QuestionType, draft: Draft): boolean {
  return toAnswer(type, draft) !== undefined;
}

/** The attempt's `answers`: question id (a string) to answer, unanswered left out. */
export function buildAnswers(
  questions: Pick<Question, "id" | "type">[],
  drafts: Record<string, Draft>,
): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const question of questions) {
    const answer = toAnswer(question.type, drafts[String(question.id)] ?? null);
    if (answer !== undefined) answers[String(question.id)] = answer;
  }
  return answers;
}

/** Moves the item at `from` by `delta` places (ordering by keyboard or buttons). */
export function move<T>(items: T[], from: number, delta: number): T[] {
  const to = from + delta;
  if (from < 0 || from >= items.length || to < 0 || to >= items.length)
    return [...items];
  const out = [...items];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item as T);
  return out;
}

/** Moves the item at `from` to index `to` (ordering by drag and drop). */
export function moveTo<T>(items: T[], from: number, to: number): T[] {
  return move(items, from, Math.max(0, Math.min(items.length - 1, to)) - from);
}

/** A choice's text as students see it (its id without text). */
export function choiceLabel(choices: Choice[] | null, id: unknown): string {
  const found = (choices ?? []).find((c) => String(c.id) === String(id));
  return found?.text ?? String(id);
}

/** The expected answer of a result, in words: choice ids become their texts. */
export function describeExpected(
  question: Pick<Question, "type" | "choices">,
  expected: unknown,
): string | null {
  if (expected === null || expected === undefined) return null;
  switch (question.type) {
    case "single_choice":
      return choiceLabel(question.choices, expected);
    case "multiple_choice":
      return Array.isArray(expected)
        ? expected.map((id) => choiceLabel(question.choices, id)).join(", ")
        : String(expected);
    case "ordering":
      return Array.isArray(expected)
        ? expected.map((id) => choiceLabel(question.choices, id)).join(" → ")
        : String(expected);
    case "true_false":
      return expected === true || expected === "true" ? "True" : "False";
    default:
      return String(expected);
  }
}

/** What the input of a type asks for, shown under the prompt. */
export function inputHint(type: QuestionType): string {
  switch (type) {
    case "single_choice":
      return "Choose one answer.";
    case "multiple_choice":
      return "Choose every answer that fits.";
    case "true_false":
      return "True or false?";
    case "numeric":
      return "Type a number, e.g. 0.75.";
    case "fraction":
      return "Type a fraction, e.g. 3/4 or 1 1/2.";
    case "short_text":
      return "Type a short answer.";
    case "ordering":
      return "Put the items in order: drag them, or use the Move up and Move down buttons (or the arrow keys on a focused item).";
  }
}
