// Answers kept until they are submitted: one entry per (student, lesson) in a Storage
// (localStorage in the browser), so a reload, a closed tab or a failed submission loses
// nothing. Pure apart from the Storage it is given.
import type { Draft } from "./answers";

export interface SavedDraft {
  answers: Record<string, Draft>;
  startedAt: string;
  savedAt: string;
}

export function draftKey(student: string, lesson: number): string {
  return `pathwise.draft.${student}.${lesson}`;
}

export function loadDraft(
  storage: Storage,
  student: string,
  lesson: number,
): SavedDraft | null {
  try {
    const raw = storage.getItem(draftKey(student, lesson));
    if (!raw) return null;
    const parsed = JSON.parse(raw) as SavedDraft;
    if (
      !parsed ||
      typeof parsed !== "object" ||
      typeof parsed.answers !== "object"
    )
      return null;
    return parsed;
  } catch {
    return null;
  }
}

export function saveDraft(
  storage: Storage,
  student: string,
  lesson: number,
  answers: Record<string, Draft>,
  startedAt: string,
  now: Date = new Date(),
): void {
  const entry: SavedDraft = { answers, startedAt, savedAt: now.toISOString() };
  try {
    storage.setItem(draftKey(student, lesson), JSON.stringify(entry));
  } catch {
    // A full or disabled storage must not stop the student from answering.
  }
}

export function clearDraft(
  storage: Storage,
  student: string,
  lesson: number,
): void {
  try {
    storage.removeItem(draftKey(student, lesson));
  } catch {
    // nothing to clear
  }
}
