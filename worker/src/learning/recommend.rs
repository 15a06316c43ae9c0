//! Recommendations after a graded attempt, from pluggable, named strategies.
//!
//! Every recommendation carries a reason a student can read, a priority (higher first)
//! and the name of the strategy that produced it. Both strategies end with review
//! recommendations for skills whose FSRS review is due. The worker supersedes the
//! student's earlier active recommendations for the course when it writes new ones (see
//! [`AttemptOutcome::superseded`](super::AttemptOutcome::superseded)).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::answer_key::validate_question;
use super::content::{Course, Lesson, LessonKind, Question, at_least};
use super::grading::GradedAttempt;
use super::mastery::MasteryState;
use super::paths::{LearningPath, StepState};
use super::reviews::is_due;

/// Practice questions per practice recommendation.
pub const PRACTICE_QUESTIONS: usize = 3;
/// At most this many lessons are recommended to advance into.
pub const MAX_ADVANCE: usize = 3;
/// At most this many review recommendations, most overdue first.
pub const MAX_REVIEWS: usize = 3;

/// Priorities: higher is shown first.
pub mod priority {
    pub const REMEDIATE: i32 = 100;
    pub const PRACTICE_AFTER_REMEDIATION: i32 = 90;
    pub const PRACTICE: i32 = 80;
    /// The first lesson to advance into; each further one is one lower.
    pub const ADVANCE: i32 = 70;
    /// The most overdue review; each further one is one lower.
    pub const REVIEW: i32 = 50;
}

/// What kind of next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationKind {
    Advance,
    Remediate,
    Practice,
    Review,
}

/// One next step for the student (the shape of a Directus `recommendations` item, less
/// the student, course, attempt and status the worker adds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub kind: RecommendationKind,
    pub lesson: Option<i64>,
    /// Practice question ids.
    pub questions: Vec<i64>,
    pub skill: Option<i64>,
    /// A sentence the student reads.
    pub reason: String,
    pub priority: i32,
    /// The name of the strategy that produced it.
    pub strategy: String,
}

/// Everything a strategy may look at, after the attempt has been graded and mastery,
/// reviews and path updated.
#[derive(Debug, Clone, Copy)]
pub struct RecommendationContext<'a> {
    pub course: &'a Course,
    /// The lesson of the attempt.
    pub lesson: i64,
    pub graded: &'a GradedAttempt,
    /// The questions of the attempt, as graded.
    pub attempt_questions: &'a [&'a Question],
    /// The student's mastery per skill, after the attempt.
    pub mastery: &'a HashMap<i64, MasteryState>,
    /// The student's path, after the attempt.
    pub path: &'a LearningPath,
    /// Questions this student answered correctly recently (never offered as practice).
    pub recently_correct: &'a HashSet<i64>,
    pub now: DateTime<Utc>,
}

/// A recommendation strategy. Strategies are pure and stateless; the worker picks one per
/// student with [`assign_strategy`](super::assign_strategy).
pub trait Strategy: Send + Sync {
    /// The stable name stored with each recommendation, e.g. `threshold-rules`.
    fn name(&self) -> &'static str;
    /// The recommendations after one graded attempt, highest priority first.
    fn recommend(&self, context: &RecommendationContext<'_>) -> Vec<Recommendation>;
}

/// Score thresholds: advance at or above the advance threshold, remediation plus practice
/// below the remediate threshold, practice in between; always on the weakest skill of
/// the attempt.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThresholdRules;

/// Mastery before progress: advance only into lessons whose prerequisite lessons' skills
/// are all mastered; otherwise work on the least-mastered of those skills.
#[derive(Debug, Clone, Copy, Default)]
pub struct MasteryFirst;

static THRESHOLD_RULES: ThresholdRules = ThresholdRules;
static MASTERY_FIRST: MasteryFirst = MasteryFirst;

/// Every strategy, by name.
pub const STRATEGY_NAMES: [&str; 2] = ["threshold-rules", "mastery-first"];

/// The strategy called `name`, if there is one.
pub fn strategy_by_name(name: &str) -> Option<&'static dyn Strategy> {
    match name {
        "threshold-rules" => Some(&THRESHOLD_RULES),
        "mastery-first" => Some(&MASTERY_FIRST),
        _ => None,
    }
}

impl Strategy for ThresholdRules {
    fn name(&self) -> &'static str {
        "threshold-rules"
    }

    fn recommend(&self, context: &RecommendationContext<'_>) -> Vec<Recommendation> {
        let course = context.course;
        let score = context.graded.score;
        let mut drafts = if context.graded.empty || at_least(score, course.advance_threshold) {
            advance(
                context,
                &context.path.available().collect::<Vec<_>>(),
                &score_reason(context),
            )
        } else if !at_least(score, course.remediate_threshold) {
            remediate_with_practice(context, context.weakest_attempt_skill())
        } else {
            practice(context, context.weakest_attempt_skill(), priority::PRACTICE)
        };
        drafts.extend(reviews(context));
        finish(drafts, self.name())
    }
}

impl Strategy for MasteryFirst {
    fn name(&self) -> &'static str {
        "mastery-first"
    }

    fn recommend(&self, context: &RecommendationContext<'_>) -> Vec<Recommendation> {
        let course = context.course;
        let score = context.graded.score;
        let mut drafts = if context.graded.empty || at_least(score, course.advance_threshold) {
            mastery_first_advance(context)
        } else {
            let focus =
                context.least_mastered_unmastered(&context.attempt_and_prerequisite_skills());
            let focus = focus.or_else(|| context.weakest_attempt_skill());
            if at_least(score, course.remediate_threshold) {
                practice(context, focus, priority::PRACTICE)
            } else {
                remediate_with_practice(context, focus)
            }
        };
        drafts.extend(reviews(context));
        finish(drafts, self.name())
    }
}

/// Advance into available lessons whose prerequisite skills are mastered; if some
/// available lesson is blocked and none is ready, practice its least-mastered
/// prerequisite skill.
fn mastery_first_advance(context: &RecommendationContext<'_>) -> Vec<Draft> {
    let available: Vec<i64> = context.path.available().collect();
    let (ready, blocked): (Vec<i64>, Vec<i64>) = available
        .iter()
        .partition(|&&lesson| context.unmastered_prerequisite_skills(lesson).is_empty());
    if !ready.is_empty() || blocked.is_empty() {
        return advance(context, &ready, &score_reason(context));
    }
    let Some(&lesson) = blocked.first() else {
        return Vec::new();
    };
    let skill = context.least_mastered_unmastered(&context.unmastered_prerequisite_skills(lesson));
    let mut drafts = practice(context, skill, priority::PRACTICE);
    if let (Some(draft), Some(skill)) = (drafts.first_mut(), skill) {
        draft.reason = format!(
            "Before \"{}\", strengthen {}: your mastery is {}, and \"{}\" builds on it.",
            context.lesson_title(lesson),
            context.course.skill_name(skill),
            estimate_percent(context.p_known(skill)),
            context.lesson_title(lesson),
        );
    }
    drafts
}

/// A recommendation before the strategy's name is attached.
struct Draft {
    kind: RecommendationKind,
    lesson: Option<i64>,
    questions: Vec<i64>,
    skill: Option<i64>,
    reason: String,
    priority: i32,
}

fn finish(mut drafts: Vec<Draft>, strategy: &str) -> Vec<Recommendation> {
    drafts.sort_by_key(|draft| std::cmp::Reverse(draft.priority));
    drafts
        .into_iter()
        .map(|draft| Recommendation {
            kind: draft.kind,
            lesson: draft.lesson,
            questions: draft.questions,
            skill: draft.skill,
            reason: draft.reason,
            priority: draft.priority,
            strategy: strategy.to_owned(),
        })
        .collect()
}

/// "You scored 95% on "Equivalent fractions"" (or that it had nothing to score).
fn score_reason(context: &RecommendationContext<'_>) -> String {
    let title = context.lesson_title(context.lesson);
    if context.graded.empty {
        format!("\"{title}\" has no questions to score")
    } else {
        format!(
            "You scored {} on \"{title}\"",
            percent(context.graded.score)
        )
    }
}

fn advance(context: &RecommendationContext<'_>, lessons: &[i64], opening: &str) -> Vec<Draft> {
    let targets: Vec<i64> = lessons
        .iter()
        .copied()
        .filter(|&lesson| lesson != context.lesson)
        .take(MAX_ADVANCE)
        .collect();
    if targets.is_empty() {
        let finished = context
            .path
            .steps
            .iter()
            .all(|step| step.state == StepState::Done);
        let reason = if finished {
            format!("{opening}, and you have finished every lesson of this course.")
        } else {
            format!("{opening}. Nothing new is open yet: finish the lessons in progress first.")
        };
        return vec![Draft {
            kind: RecommendationKind::Advance,
            lesson: None,
            questions: Vec::new(),
            skill: None,
            reason,
            priority: priority::ADVANCE,
        }];
    }
    targets
        .iter()
        .enumerate()
        .map(|(rank, &lesson)| Draft {
            kind: RecommendationKind::Advance,
            lesson: Some(lesson),
            questions: Vec::new(),
            skill: None,
            reason: format!("{opening}; next up: \"{}\".", context.lesson_title(lesson)),
            priority: priority::ADVANCE - rank_offset(rank),
        })
        .collect()
}

/// The remediation lesson for `skill` plus practice questions on it. Without a weakest
/// skill (questions and lesson assess none), go over the lesson again.
fn remediate_with_practice(context: &RecommendationContext<'_>, skill: Option<i64>) -> Vec<Draft> {
    let opening = score_reason(context);
    let Some(skill) = skill else {
        return vec![Draft {
            kind: RecommendationKind::Remediate,
            lesson: Some(context.lesson),
            questions: Vec::new(),
            skill: None,
            reason: format!("{opening}; go over it again before moving on."),
            priority: priority::REMEDIATE,
        }];
    };
    let name = context.course.skill_name(skill);
    let mastery = estimate_percent(context.p_known(skill));
    let (lesson, what) = match context.remediation_lesson(skill) {
        Some(lesson) if lesson.video_url.is_some() => {
            (lesson.id, "this lesson and its video review it")
        }
        Some(lesson) => (lesson.id, "this lesson reviews it"),
        None => (
            context.lesson_teaching(skill).unwrap_or(context.lesson),
            "going over this lesson again will help",
        ),
    };
    let mut drafts = vec![Draft {
        kind: RecommendationKind::Remediate,
        lesson: Some(lesson),
        questions: Vec::new(),
        skill: Some(skill),
        reason: format!("{opening}. Your mastery of {name} is {mastery}; {what}."),
        priority: priority::REMEDIATE,
    }];
    let questions = context.practice_questions(skill);
    if !questions.is_empty() {
        drafts.push(Draft {
            kind: RecommendationKind::Practice,
            lesson: None,
            reason: format!(
                "{} on {name}, to try once you have gone over \"{}\".",
                count_questions(questions.len()),
                context.lesson_title(lesson)
            ),
            questions,
            skill: Some(skill),
            priority: priority::PRACTICE_AFTER_REMEDIATION,
        });
    }
    drafts
}

/// Practice questions on `skill`; without any to offer, go over the lesson again.
fn practice(context: &RecommendationContext<'_>, skill: Option<i64>, priority: i32) -> Vec<Draft> {
    let opening = score_reason(context);
    let Some(skill) = skill else {
        return vec![Draft {
            kind: RecommendationKind::Practice,
            lesson: Some(context.lesson),
            questions: Vec::new(),
            skill: None,
            reason: format!("{opening}: close. Go over it once more to make it stick."),
            priority,
        }];
    };
    let name = context.course.skill_name(skill);
    let mastery = estimate_percent(context.p_known(skill));
    let questions = context.practice_questions(skill);
    let (lesson, reason) = if questions.is_empty() {
        let lesson = context.lesson_teaching(skill).unwrap_or(context.lesson);
        (
            Some(lesson),
            format!(
                "{opening}. Your mastery of {name} is {mastery}; go over \"{}\" again to practise it.",
                context.lesson_title(lesson)
            ),
        )
    } else {
        (
            None,
            format!(
                "{opening}. Your mastery of {name} is {mastery}; {} will strengthen it.",
                count_questions(questions.len()).to_lowercase()
            ),
        )
    };
    vec![Draft {
        kind: RecommendationKind::Practice,
        lesson,
        questions,
        skill: Some(skill),
        reason,
        priority,
    }]
}

/// Reviews of skills whose FSRS review is due, most overdue first.
fn reviews(context: &RecommendationContext<'_>) -> Vec<Draft> {
    let mut due: Vec<(i64, &MasteryState)> = context
        .mastery
        .iter()
        .filter(|(skill, state)| {
            is_due(state, context.now) && context.course.skill(**skill).is_some()
        })
        .map(|(skill, state)| (*skill, state))
        .collect();
    due.sort_by_key(|(skill, state)| (state.due, *skill));
    due.into_iter()
        .take(MAX_REVIEWS)
        .enumerate()
        .map(|(rank, (skill, state))| Draft {
            kind: RecommendationKind::Review,
            lesson: context.lesson_teaching(skill),
            questions: context.practice_questions(skill),
            skill: Some(skill),
            reason: review_reason(context, skill, state),
            priority: priority::REVIEW - rank_offset(rank),
        })
        .collect()
}

fn review_reason(context: &RecommendationContext<'_>, skill: i64, state: &MasteryState) -> String {
    let name = context.course.skill_name(skill);
    let days = state
        .last_review
        .map(|last| (context.now - last).num_days())
        .unwrap_or(0);
    let when = match days {
        0 => "earlier today".to_owned(),
        1 => "yesterday".to_owned(),
        days => format!("{days} days ago"),
    };
    format!(
        "Time to review {name}: you last practised it {when}, and a quick review now helps you keep it."
    )
}

fn rank_offset(rank: usize) -> i32 {
    i32::try_from(rank).unwrap_or(i32::MAX)
}

fn percent(p: f64) -> String {
    format!("{}%", (p * 100.0).round())
}

/// A probability known, rounded down: an estimate is never shown as a certain 100%
/// (BKT's 0.996 beside a remediation read "Your mastery is 100%").
fn estimate_percent(p: f64) -> String {
    format!("{}%", (p * 100.0).floor())
}

fn count_questions(count: usize) -> String {
    match count {
        1 => "One practice question".to_owned(),
        2 => "Two practice questions".to_owned(),
        3 => "Three practice questions".to_owned(),
        n => format!("{n} practice questions"),
    }
}

impl RecommendationContext<'_> {
    fn lesson_title(&self, lesson: i64) -> String {
        self.course
            .lesson(lesson)
            .map_or_else(|| format!("lesson {lesson}"), |lesson| lesson.title.clone())
    }

    /// P(known) of `skill` for this student (its `p_init` without a stored state).
    pub fn p_known(&self, skill: i64) -> f64 {
        self.mastery
            .get(&skill)
            .map(|state| state.p_known)
            .or_else(|| self.course.skill(skill).map(|skill| skill.p_init))
            .unwrap_or(0.0)
    }

    fn mastered(&self, skill: i64) -> bool {
        at_least(self.p_known(skill), self.course.mastery_threshold)
    }

    /// The skill of the attempt with the lowest P(known); ties go to the lower share of
    /// points earned on it in this attempt, then the lower id. The skills are those of
    /// the attempt's questions, or of the lesson when its questions assess none.
    pub fn weakest_attempt_skill(&self) -> Option<i64> {
        let mut earned: HashMap<i64, (f64, f64)> = HashMap::new();
        for (question, result) in self.attempt_questions.iter().zip(&self.graded.results) {
            for skill in &question.skills {
                let entry = earned.entry(*skill).or_insert((0.0, 0.0));
                entry.0 += result.credit;
                entry.1 += 1.0;
            }
        }
        let mut skills: Vec<i64> = earned.keys().copied().collect();
        if skills.is_empty() {
            skills = self
                .course
                .lesson(self.lesson)
                .map(|lesson| lesson.skills.clone())
                .unwrap_or_default();
        }
        let accuracy = |skill: i64| {
            earned
                .get(&skill)
                .map_or(0.0, |(credit, count)| credit / count)
        };
        skills.into_iter().min_by(|&a, &b| {
            self.p_known(a)
                .total_cmp(&self.p_known(b))
                .then(accuracy(a).total_cmp(&accuracy(b)))
                .then(a.cmp(&b))
        })
    }

    /// Skills of the attempt's lesson, of its questions and of its prerequisite lessons.
    fn attempt_and_prerequisite_skills(&self) -> Vec<i64> {
        let mut skills: Vec<i64> = self
            .attempt_questions
            .iter()
            .flat_map(|question| question.skills.iter().copied())
            .collect();
        if let Some(lesson) = self.course.lesson(self.lesson) {
            skills.extend(&lesson.skills);
            skills.extend(self.prerequisite_skills(lesson));
        }
        skills.sort_unstable();
        skills.dedup();
        skills
    }

    fn prerequisite_skills<'b>(&'b self, lesson: &'b Lesson) -> impl Iterator<Item = i64> + 'b {
        lesson
            .prerequisites
            .iter()
            .filter_map(|prerequisite| self.course.lesson(*prerequisite))
            .flat_map(|prerequisite| prerequisite.skills.iter().copied())
    }

    /// The skills of `lesson`'s prerequisite lessons that the student does not master.
    pub fn unmastered_prerequisite_skills(&self, lesson: i64) -> Vec<i64> {
        let Some(lesson) = self.course.lesson(lesson) else {
            return Vec::new();
        };
        let mut skills: Vec<i64> = self
            .prerequisite_skills(lesson)
            .filter(|skill| !self.mastered(*skill))
            .collect();
        skills.sort_unstable();
        skills.dedup();
        skills
    }

    fn least_mastered_unmastered(&self, skills: &[i64]) -> Option<i64> {
        skills
            .iter()
            .copied()
            .filter(|skill| !self.mastered(*skill))
            .min_by(|&a, &b| self.p_known(a).total_cmp(&self.p_known(b)).then(a.cmp(&b)))
    }

    /// The first remediation lesson (course order) that teaches `skill`, other than the
    /// lesson just attempted.
    fn remediation_lesson(&self, skill: i64) -> Option<&Lesson> {
        self.course
            .lessons
            .iter()
            .filter(|lesson| {
                lesson.kind == LessonKind::Remediation
                    && lesson.id != self.lesson
                    && lesson.skills.contains(&skill)
            })
            .min_by_key(|lesson| (lesson.module_sort, lesson.sort, lesson.id))
    }

    /// The first path step that teaches `skill` and is not locked.
    fn lesson_teaching(&self, skill: i64) -> Option<i64> {
        let teaching: HashSet<i64> = self
            .course
            .lessons
            .iter()
            .filter(|lesson| lesson.skills.contains(&skill))
            .map(|lesson| lesson.id)
            .collect();
        self.path
            .steps
            .iter()
            .find(|step| step.state != StepState::Locked && teaching.contains(&step.lesson))
            .map(|step| step.lesson)
    }

    /// Up to [`PRACTICE_QUESTIONS`] questions on `skill` with a valid key, never one of
    /// this attempt's and never one answered correctly recently. Practice lessons first,
    /// then remediation lessons, then lessons that are open, then the rest; in each group
    /// by path order, then id.
    pub fn practice_questions(&self, skill: i64) -> Vec<i64> {
        let just_answered: HashSet<i64> = self
            .attempt_questions
            .iter()
            .map(|question| question.id)
            .collect();
        let matching: Vec<&Question> = self
            .course
            .questions
            .iter()
            .filter(|question| {
                question.skills.contains(&skill)
                    && !just_answered.contains(&question.id)
                    && !self.recently_correct.contains(&question.id)
            })
            .collect();
        // Look up only the lessons of the matching questions: a few, not the whole course.
        let mut lessons: Vec<i64> = matching
            .iter()
            .filter_map(|question| question.lesson)
            .collect();
        lessons.sort_unstable();
        lessons.dedup();
        let wanted = |lesson: &i64| lessons.binary_search(lesson).is_ok();
        let steps: HashMap<i64, (usize, StepState)> = self
            .path
            .steps
            .iter()
            .enumerate()
            .filter(|(_, step)| wanted(&step.lesson))
            .map(|(index, step)| (step.lesson, (index, step.state)))
            .collect();
        let kinds: HashMap<i64, LessonKind> = self
            .course
            .lessons
            .iter()
            .filter(|lesson| wanted(&lesson.id))
            .map(|lesson| (lesson.id, lesson.kind))
            .collect();
        let mut candidates: Vec<(u8, usize, i64, &Question)> = matching
            .into_iter()
            .map(|question| {
                let lesson = question.lesson.unwrap_or_default();
                let step = steps.get(&lesson).copied();
                let rank = practice_rank(kinds.get(&lesson).copied(), step.map(|(_, state)| state));
                let position = step.map_or(usize::MAX, |(position, _)| position);
                (rank, position, question.id, question)
            })
            .collect();
        candidates.sort_by_key(|(rank, position, id, _)| (*rank, *position, *id));
        candidates
            .into_iter()
            .filter(|(_, _, _, question)| validate_question(question).is_ok())
            .take(PRACTICE_QUESTIONS)
            .map(|(_, _, id, _)| id)
            .collect()
    }
}

/// Practice lessons first, then remediation lessons, then open lessons, then locked
/// ones, then questions outside any lesson of the course.
fn practice_rank(kind: Option<LessonKind>, state: Option<StepState>) -> u8 {
    match (kind, state) {
        (Some(LessonKind::Practice), _) => 0,
        (Some(LessonKind::Remediation), _) => 1,
        (Some(LessonKind::Lesson), Some(StepState::Locked)) => 3,
        (Some(LessonKind::Lesson), _) => 2,
        (None, _) => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::grading::{Timing, grade_attempt};
    use crate::learning::paths::{CompletionRule, StudentProgress, build_path};
    use crate::learning::testkit::{course, day, lesson, skill, tf_question};
    use serde_json::{Value, json};

    /// Lessons: 1 (skill 1) -> 2 (skill 2) -> 3 (skills 2, 3); remediation 10 (skill 1,
    /// with a video) and 11 (skill 2); practice 12 (skill 2) after 1.
    /// Questions: 4 per regular lesson (ids lesson*10 + 1..=4), 2 in each detour.
    fn fractions() -> Course {
        let mut lessons = vec![lesson(1, &[]), lesson(2, &[1]), lesson(3, &[2])];
        lessons[0].skills = vec![1];
        lessons[1].skills = vec![2];
        lessons[2].skills = vec![2, 3];
        lessons[0].title = "What is a fraction?".into();
        lessons[1].title = "Equivalent fractions".into();
        lessons[2].title = "Comparing fractions".into();
        let mut r1 = lesson(10, &[]);
        r1.kind = LessonKind::Remediation;
        r1.skills = vec![1];
        r1.title = "Fair sharing".into();
        r1.video_url = Some("https://example.org/v".into());
        let mut r2 = lesson(11, &[]);
        r2.kind = LessonKind::Remediation;
        r2.skills = vec![2];
        r2.title = "Fraction strips".into();
        let mut p = lesson(12, &[1]);
        p.kind = LessonKind::Practice;
        p.skills = vec![2];
        p.title = "Equivalent fractions practice".into();
        lessons.extend([r1, r2, p]);
        let mut questions = Vec::new();
        for (lesson, skills) in [(1, vec![1]), (2, vec![2]), (3, vec![2, 3])] {
            for n in 1..=4 {
                questions.push(tf_question(lesson * 10 + n, lesson, &skills));
            }
        }
        for (lesson, skill) in [(10, 1), (11, 2), (12, 2)] {
            for n in 1..=2 {
                questions.push(tf_question(lesson * 10 + n, lesson, &[skill]));
            }
        }
        let skills = vec![
            skill(1, "Understanding fractions"),
            skill(2, "Equivalent fractions"),
            skill(3, "Comparing fractions"),
        ];
        course(lessons, skills, questions)
    }

    struct Scenario {
        course: Course,
        lesson: i64,
        answers: Value,
        mastery: HashMap<i64, MasteryState>,
        scores: HashMap<i64, f64>,
        recently_correct: HashSet<i64>,
    }

    impl Scenario {
        fn new(lesson: i64, right: usize) -> Self {
            let course = fractions();
            let ids: Vec<i64> = course.questions_of(lesson).iter().map(|q| q.id).collect();
            let answers: serde_json::Map<String, Value> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.to_string(), json!(i < right)))
                .collect();
            Self {
                course,
                lesson,
                answers: Value::Object(answers),
                mastery: HashMap::new(),
                scores: HashMap::new(),
                recently_correct: HashSet::new(),
            }
        }

        fn p_known(mut self, skill: i64, p: f64) -> Self {
            let s = self.course.skill(skill).cloned().expect("skill exists");
            let mut state = MasteryState::new(&s, 0.95);
            state.p_known = p;
            state.mastered = p >= 0.95;
            self.mastery.insert(skill, state);
            self
        }

        fn run(&self, strategy: &dyn Strategy) -> Vec<Recommendation> {
            let questions = self.course.questions_of(self.lesson);
            let graded =
                grade_attempt(&questions, &self.answers, &Timing::default()).expect("valid keys");
            let mut scores = self.scores.clone();
            scores.insert(self.lesson, graded.score);
            let progress = StudentProgress {
                latest_scores: scores,
                mastery: self.mastery.clone(),
            };
            let path =
                build_path(&self.course, &progress, CompletionRule::LatestScore).expect("no cycle");
            let context = RecommendationContext {
                course: &self.course,
                lesson: self.lesson,
                graded: &graded,
                attempt_questions: &questions,
                mastery: &self.mastery,
                path: &path,
                recently_correct: &self.recently_correct,
                now: day(0),
            };
            strategy.recommend(&context)
        }
    }

    fn kinds(recommendations: &[Recommendation]) -> Vec<(RecommendationKind, Option<i64>)> {
        recommendations.iter().map(|r| (r.kind, r.lesson)).collect()
    }

    use RecommendationKind::*;

    #[test]
    fn strategies_are_found_by_name() {
        for name in STRATEGY_NAMES {
            assert_eq!(strategy_by_name(name).map(|s| s.name()), Some(name));
        }
        assert!(strategy_by_name("random").is_none());
    }

    #[test]
    fn a_high_score_advances_to_the_next_available_lessons() {
        // 4/4 on lesson 1: lessons 2 and practice 12 open up.
        let recommendations = Scenario::new(1, 4).run(&ThresholdRules);
        assert_eq!(
            kinds(&recommendations),
            vec![(Advance, Some(2)), (Advance, Some(12))]
        );
        assert_eq!(
            recommendations[0].reason,
            "You scored 100% on \"What is a fraction?\"; next up: \"Equivalent fractions\"."
        );
        assert_eq!(recommendations[0].priority, priority::ADVANCE);
        assert_eq!(recommendations[1].priority, priority::ADVANCE - 1);
        assert!(
            recommendations
                .iter()
                .all(|r| r.strategy == "threshold-rules")
        );
    }

    /// A course whose lesson has 10 questions, so scores land exactly on thresholds.
    fn ten_question_scenario(right: usize) -> Scenario {
        let mut scenario = Scenario::new(1, 0);
        scenario.course.questions.retain(|q| q.lesson != Some(1));
        for n in 0..10 {
            scenario
                .course
                .questions
                .push(tf_question(500 + n, 1, &[1]));
        }
        let answers: serde_json::Map<String, Value> = (0..10)
            .map(|n| ((500 + n).to_string(), json!(n < right as i64)))
            .collect();
        scenario.answers = Value::Object(answers);
        scenario
    }

    #[test]
    fn exactly_the_advance_threshold_advances() {
        let recommendations = ten_question_scenario(9).run(&ThresholdRules);
        assert_eq!(recommendations[0].kind, Advance);
    }

    #[test]
    fn exactly_the_remediate_threshold_is_practice_not_remediation() {
        let recommendations = ten_question_scenario(7).run(&ThresholdRules);
        assert_eq!(recommendations[0].kind, Practice);
        let recommendations = ten_question_scenario(6).run(&ThresholdRules);
        assert_eq!(recommendations[0].kind, Remediate);
    }

    #[test]
    fn a_mastery_estimate_is_never_shown_as_certain() {
        let recommendations = Scenario::new(2, 1).p_known(2, 0.996).run(&ThresholdRules);
        assert!(
            recommendations[0]
                .reason
                .ends_with("Your mastery of Equivalent fractions is 99%; this lesson reviews it."),
            "{}",
            recommendations[0].reason
        );
    }

    #[test]
    fn a_low_score_gets_remediation_and_three_practice_questions() {
        let recommendations = Scenario::new(2, 1).p_known(2, 0.42).run(&ThresholdRules);
        assert_eq!(
            kinds(&recommendations),
            vec![(Remediate, Some(11)), (Practice, None)]
        );
        assert_eq!(
            recommendations[0].reason,
            "You scored 25% on \"Equivalent fractions\". Your mastery of Equivalent fractions is 42%; this lesson reviews it."
        );
        assert_eq!(recommendations[0].skill, Some(2));
        let practice = &recommendations[1];
        // practice lesson 12 first, then remediation 11, then open lesson... never lesson 2's own.
        assert_eq!(practice.questions, vec![121, 122, 111]);
        assert_eq!(
            practice.reason,
            "Three practice questions on Equivalent fractions, to try once you have gone over \"Fraction strips\"."
        );
        assert_eq!(practice.priority, priority::PRACTICE_AFTER_REMEDIATION);
    }

    #[test]
    fn remediation_mentions_a_video() {
        let recommendations = Scenario::new(1, 0).run(&ThresholdRules);
        assert_eq!(recommendations[0].lesson, Some(10));
        assert!(
            recommendations[0]
                .reason
                .ends_with("this lesson and its video review it."),
            "{}",
            recommendations[0].reason
        );
    }

    #[test]
    fn practice_skips_recently_correct_and_just_answered_questions() {
        let mut scenario = Scenario::new(2, 1);
        scenario.recently_correct = [121, 111].into_iter().collect();
        let recommendations = scenario.run(&ThresholdRules);
        let practice = recommendations
            .iter()
            .find(|r| r.kind == Practice)
            .expect("practice");
        assert_eq!(practice.questions, vec![122, 112, 31]);
        assert!(practice.questions.iter().all(|id| !(21..=24).contains(id)));
    }

    #[test]
    fn a_middling_score_practises_the_weakest_skill() {
        // Lesson 3 assesses skills 2 and 3; skill 3 is weaker.
        let recommendations = Scenario::new(3, 3)
            .p_known(2, 0.6)
            .p_known(3, 0.3)
            .run(&ThresholdRules);
        assert_eq!(recommendations.len(), 1);
        let practice = &recommendations[0];
        assert_eq!((practice.kind, practice.skill), (Practice, Some(3)));
        assert_eq!(practice.priority, priority::PRACTICE);
        // Skill 3 has no questions outside lesson 3: go over a lesson teaching it again.
        assert!(practice.questions.is_empty());
        assert_eq!(practice.lesson, Some(3));
        assert!(
            practice
                .reason
                .contains("Your mastery of Comparing fractions is 30%"),
            "{}",
            practice.reason
        );
    }

    #[test]
    fn weakest_skill_ties_break_by_accuracy_then_id() {
        // Equal P(known). Question 34 (answered wrong) assesses skill 3 only: skill 3 has
        // the lower accuracy in this attempt (3 of 4 against 3 of 3) and wins the tie.
        let mut scenario = Scenario::new(3, 3).p_known(2, 0.5).p_known(3, 0.5);
        let q34 = scenario
            .course
            .questions
            .iter_mut()
            .find(|q| q.id == 34)
            .expect("question 34");
        q34.skills = vec![3];
        assert_eq!(scenario.run(&ThresholdRules)[0].skill, Some(3));
        // Equal P(known) and equal accuracy: the lower id.
        let scenario = Scenario::new(3, 3).p_known(2, 0.5).p_known(3, 0.5);
        assert_eq!(scenario.run(&ThresholdRules)[0].skill, Some(2));
    }

    #[test]
    fn a_skill_without_any_question_still_gets_a_reason() {
        let mut scenario = Scenario::new(1, 0);
        scenario
            .course
            .questions
            .retain(|q| !q.skills.contains(&1) || q.lesson == Some(1));
        let recommendations = scenario.run(&ThresholdRules);
        assert_eq!(
            kinds(&recommendations),
            vec![(Remediate, Some(10))],
            "no practice recommendation without questions"
        );
    }

    #[test]
    fn no_remediation_lesson_falls_back_to_a_lesson_teaching_the_skill() {
        let mut scenario = Scenario::new(2, 0);
        scenario.course.lessons.retain(|l| l.id != 11);
        scenario.course.questions.retain(|q| q.lesson != Some(11));
        let recommendations = scenario.run(&ThresholdRules);
        assert_eq!(recommendations[0].kind, Remediate);
        assert_eq!(recommendations[0].lesson, Some(2));
        assert!(
            recommendations[0]
                .reason
                .ends_with("going over this lesson again will help.")
        );
    }

    #[test]
    fn a_lesson_without_questions_or_skills_still_moves_on() {
        let mut scenario = Scenario::new(1, 0);
        scenario.course.questions.retain(|q| q.lesson != Some(1));
        scenario.answers = json!({});
        let recommendations = scenario.run(&ThresholdRules);
        assert_eq!(recommendations[0].kind, Advance);
        assert!(
            recommendations[0]
                .reason
                .starts_with("\"What is a fraction?\" has no questions to score; next up")
        );
    }

    #[test]
    fn questions_without_skills_remediate_the_lesson_itself() {
        let mut scenario = Scenario::new(1, 0);
        for q in scenario.course.questions.iter_mut() {
            q.skills.clear();
        }
        scenario.course.lessons[0].skills.clear();
        let recommendations = scenario.run(&ThresholdRules);
        assert_eq!(kinds(&recommendations), vec![(Remediate, Some(1))]);
        assert_eq!(recommendations[0].skill, None);
    }

    #[test]
    fn finishing_the_course() {
        let mut scenario = Scenario::new(3, 4);
        scenario.scores = [(1, 1.0), (2, 1.0), (12, 1.0)].into_iter().collect();
        let recommendations = scenario.run(&ThresholdRules);
        assert_eq!(kinds(&recommendations), vec![(Advance, None)]);
        assert!(
            recommendations[0]
                .reason
                .ends_with("you have finished every lesson of this course.")
        );
    }

    #[test]
    fn due_reviews_are_added_most_overdue_first() {
        let mut scenario = Scenario::new(1, 4).p_known(2, 0.5).p_known(3, 0.5);
        for (skill, due_days_ago) in [(2, 3), (3, 10)] {
            let state = scenario.mastery.get_mut(&skill).expect("state");
            state.due = Some(day(-due_days_ago));
            state.last_review = Some(day(-due_days_ago - 4));
        }
        let recommendations = scenario.run(&ThresholdRules);
        let reviews: Vec<&Recommendation> = recommendations
            .iter()
            .filter(|r| r.kind == Review)
            .collect();
        assert_eq!(
            reviews.iter().map(|r| r.skill).collect::<Vec<_>>(),
            vec![Some(3), Some(2)]
        );
        assert_eq!(
            reviews[0].reason,
            "Time to review Comparing fractions: you last practised it 14 days ago, and a quick review now helps you keep it."
        );
        assert_eq!(reviews[0].priority, priority::REVIEW);
        assert_eq!(reviews[1].priority, priority::REVIEW - 1);
        assert!(
            recommendations
                .windows(2)
                .all(|w| w[0].priority >= w[1].priority)
        );
    }

    #[test]
    fn reviews_not_yet_due_are_not_recommended() {
        let mut scenario = Scenario::new(1, 4).p_known(2, 0.5);
        scenario.mastery.get_mut(&2).expect("state").due = Some(day(1));
        assert!(
            scenario
                .run(&ThresholdRules)
                .iter()
                .all(|r| r.kind != Review)
        );
    }

    #[test]
    fn mastery_first_advances_only_when_prerequisite_skills_are_mastered() {
        // 4/4 on lesson 1, but skill 1 is not mastered: lessons 2 and 12 need it.
        let recommendations = Scenario::new(1, 4).p_known(1, 0.6).run(&MasteryFirst);
        assert_eq!(recommendations.len(), 1);
        let practice = &recommendations[0];
        assert_eq!((practice.kind, practice.skill), (Practice, Some(1)));
        assert_eq!(
            practice.reason,
            "Before \"Equivalent fractions\", strengthen Understanding fractions: your mastery is 60%, and \"Equivalent fractions\" builds on it."
        );
        assert_eq!(practice.questions, vec![101, 102]);
        assert!(practice.strategy == "mastery-first");
        let recommendations = Scenario::new(1, 4).p_known(1, 0.97).run(&MasteryFirst);
        assert_eq!(
            kinds(&recommendations),
            vec![(Advance, Some(2)), (Advance, Some(12))]
        );
    }

    #[test]
    fn mastery_first_works_on_the_least_mastered_prerequisite_skill_after_a_weak_attempt() {
        // Lesson 2 (skill 2) needs lesson 1 (skill 1); skill 1 is weaker than skill 2.
        let recommendations = Scenario::new(2, 3)
            .p_known(1, 0.3)
            .p_known(2, 0.6)
            .run(&MasteryFirst);
        assert_eq!(
            (recommendations[0].kind, recommendations[0].skill),
            (Practice, Some(1))
        );
        let recommendations = Scenario::new(2, 1)
            .p_known(1, 0.3)
            .p_known(2, 0.6)
            .run(&MasteryFirst);
        assert_eq!(kinds(&recommendations)[0], (Remediate, Some(10)));
        assert_eq!(recommendations[0].skill, Some(1));
    }

    #[test]
    fn threshold_rules_work_on_the_attempt_skill_instead() {
        let recommendations = Scenario::new(2, 3)
            .p_known(1, 0.3)
            .p_known(2, 0.6)
            .run(&ThresholdRules);
        assert_eq!(
            (recommendations[0].kind, recommendations[0].skill),
            (Practice, Some(2))
        );
    }

    #[test]
    fn recommendations_serialize_for_directus() {
        let recommendation = Scenario::new(1, 4).run(&ThresholdRules).remove(0);
        let value = serde_json::to_value(&recommendation).expect("serializes");
        assert_eq!(value["kind"], "advance");
        assert_eq!(value["strategy"], "threshold-rules");
    }
}
