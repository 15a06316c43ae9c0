// The records the app reads, as Directus serves them to a student (docs/data-model.md)
// and as the worker answers POST /v1/attempts (worker/src/http/attempts.rs).

export const QUESTION_TYPES = [
  "single_choice",
  "multiple_choice",
  "true_false",
  "numeric",
  "fraction",
  "short_text",
  "ordering",
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export interface Choice {
  id: string;
  text?: string;
}

/** A question as a student reads it: never its answer key. */
export interface Question {
  id: number;
  lesson: number;
  sort: number | null;
  type: QuestionType;
  prompt: string;
  choices: Choice[] | null;
  points: number | null;
}

export type LessonKind = "lesson" | "remediation" | "practice";

export interface Lesson {
  id: number;
  title: string;
  kind: LessonKind;
  sort: number | null;
  body?: string | null;
  video_url?: string | null;
  estimated_minutes?: number | null;
  module:
    | number
    | { id: number; title?: string; sort?: number | null; course: number };
  prerequisites?: { prerequisite: number }[];
}

export interface Module {
  id: number;
  title: string;
  sort: number | null;
  course: number;
}

export interface Course {
  id: number;
  title: string;
  summary?: string | null;
  sort?: number | null;
}

export type StepState = "done" | "available" | "locked";

export interface PathStep {
  lesson: number;
  state: StepState;
}

export interface LearningPath {
  id?: number;
  course: number;
  steps: PathStep[];
  current_lesson: number | null;
  progress: number;
}

export type RecommendationKind =
  | "advance"
  | "remediate"
  | "practice"
  | "review";

export interface Recommendation {
  id?: number;
  kind: RecommendationKind;
  lesson: number | null;
  skill: number | null;
  questions: number[] | null;
  reason: string;
  priority: number;
  attempt?: number | null;
  status?: string;
  course?: number | null;
  date_created?: string;
}

export interface QuestionResult {
  question: number;
  correct: boolean;
  answered: boolean;
  credit: number;
  points_earned: number;
  points_possible: number;
  expected: unknown;
  explanation: string | null;
  feedback: string;
}

/** What POST /v1/attempts answers (201). */
export interface GradedSubmission {
  attempt: number;
  status: "graded" | "rejected" | "submitted";
  score?: number;
  points_earned?: number;
  points_possible?: number;
  results?: QuestionResult[];
  recommendations?: Recommendation[];
  path?: LearningPath | null;
  reason?: string | null;
}

export interface Attempt {
  id: number;
  lesson: number | null;
  status: "submitted" | "graded" | "rejected";
  score: number | null;
  rejection_reason?: string | null;
  submitted_at?: string | null;
  graded_at?: string | null;
  date_created?: string | null;
}

export interface Profile {
  xp: number;
  streak_days: number;
  longest_streak?: number;
  last_active_at?: string | null;
}

/** A badge the student earned (the `badges` collection). */
export interface Badge {
  id: number;
  badge: string;
  title: string;
  description: string | null;
  date_created: string | null;
}

/** A reminder, review list or badge news sent to the student (the `messages` collection). */
export interface Message {
  id: number;
  kind: "nudge" | "digest" | "badge";
  subject: string;
  body: string;
  sent_at: string | null;
}

export interface Mastery {
  skill: number;
  p_known: number;
  mastered: boolean;
  due_at: string | null;
}

export interface Skill {
  id: number;
  name: string;
  course: number;
}
