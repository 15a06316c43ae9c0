//! The one call the worker makes per graded attempt: [`process_attempt`].
//!
//! grade -> mastery (BKT) and reviews (FSRS) for the skills the attempt touched -> path
//! -> recommendations (the student's strategy) -> engagement. Pure: the worker reads
//! everything into an [`AttemptInput`] and writes back what the [`AttemptOutcome`] holds.
//! After a content change the worker recomputes paths with
//! [`recompute_paths`](super::recompute_paths) instead.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::answer_key::{KeyError, validate_question};
use super::content::{Course, Question, Skill};
use super::engagement::{Engagement, update_engagement};
use super::experiment::DEFAULT_STRATEGY;
use super::grading::{GradedAttempt, Pace, Timing, expected_seconds, grade_attempt};
use super::mastery::{MasteryState, SkillError, validate_skill};
use super::paths::{
    CompletionRule, LearningPath, LessonGraph, PathError, StudentProgress, path_from_graph,
    prerequisite_problems,
};
use super::recommend::{Recommendation, RecommendationContext, STRATEGY_NAMES, strategy_by_name};
use super::reviews::{ReviewRating, ReviewScheduler};

/// Everything the engine needs to process one attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptInput {
    /// The student's Directus user id.
    pub student: String,
    /// The course of the attempted lesson, with all its lessons, skills and questions.
    pub course: Course,
    /// The attempted lesson.
    pub lesson: i64,
    /// `{"<question id>": answer}` as submitted.
    #[serde(default)]
    pub answers: Value,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The grading time: reviews are recorded and due dates judged at this instant.
    pub now: DateTime<Utc>,
    /// The student's prior mastery per skill id; a skill missing here starts at its
    /// `p_init`.
    #[serde(default)]
    pub mastery: HashMap<i64, MasteryState>,
    /// The student's latest graded score per lesson id, before this attempt.
    #[serde(default)]
    pub latest_scores: HashMap<i64, f64>,
    /// Questions the student answered correctly recently; never offered as practice.
    #[serde(default)]
    pub recently_correct: HashSet<i64>,
    #[serde(default)]
    pub engagement: Engagement,
    /// The student's IANA time zone (UTC when missing or unknown).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// The student's strategy name ([`DEFAULT_STRATEGY`] when `None`).
    #[serde(default)]
    pub strategy: Option<String>,
    #[serde(default)]
    pub completion_rule: CompletionRule,
    /// Ids of the student's active recommendations for this course; all are superseded.
    #[serde(default)]
    pub active_recommendations: Vec<i64>,
}

/// The new state of one skill the attempt touched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillUpdate {
    pub skill: i64,
    /// P(known) before the attempt.
    pub p_known_before: f64,
    /// BKT's P(correct) before each answer on the skill, in order: what the accuracy
    /// monitor sets beside the answers.
    #[serde(default)]
    pub predictions: Vec<AnswerPrediction>,
    /// The FSRS rating the attempt gave the skill.
    pub rating: ReviewRating,
    /// The state to store (BKT and FSRS fields).
    pub state: MasteryState,
}

/// BKT's prediction for one answer, made before the answer was known.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AnswerPrediction {
    pub question: i64,
    /// P(correct) = P(known)(1 - slip) + (1 - P(known)) guess, before this answer.
    pub p_correct: f64,
    pub correct: bool,
}

/// What to write back after an attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptOutcome {
    pub graded: GradedAttempt,
    /// One per skill the attempt's questions assess, in order of first appearance.
    pub mastery: Vec<SkillUpdate>,
    /// The student's path through the course after the attempt.
    pub path: LearningPath,
    /// New active recommendations, highest priority first.
    pub recommendations: Vec<Recommendation>,
    /// Earlier active recommendations to mark `superseded`.
    pub superseded: Vec<i64>,
    pub engagement: Engagement,
    /// The strategy that produced the recommendations.
    pub strategy: String,
}

/// Why an attempt could not be processed: the attempted lesson's content is broken (each
/// error names what to fix) or the input names something that does not exist. Problems
/// elsewhere in the course are no error of an attempt (see [`process_attempt`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Skill(#[from] SkillError),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("lesson {lesson} is not a lesson of course {course}")]
    UnknownLesson { lesson: i64, course: i64 },
    #[error("question {question} assesses skill {skill}, which is not a skill of course {course}")]
    UnknownSkill {
        question: i64,
        skill: i64,
        course: i64,
    },
    #[error("unknown strategy \"{name}\"; known strategies: {}", STRATEGY_NAMES.join(", "))]
    UnknownStrategy { name: String },
}

/// Grades an attempt and decides everything that follows from it.
///
/// Fails only when the attempted lesson itself cannot be graded: a question of the lesson
/// whose key does not fit it, a skill its questions assess with unusable parameters or
/// outside the course. A broken part of the rest of the course (a prerequisite cycle, a
/// broken key in another lesson) does not stop it: the path leaves out the prerequisites
/// it cannot honour (see [`super::paths`]) and the rest is never read.
pub fn process_attempt(input: &AttemptInput) -> Result<AttemptOutcome, EngineError> {
    process_attempt_with(input, &ReviewScheduler::for_course(&input.course))
}

/// [`process_attempt`] with a given review scheduler (to build it once per process, or
/// to use another desired retention).
pub fn process_attempt_with(
    input: &AttemptInput,
    scheduler: &ReviewScheduler,
) -> Result<AttemptOutcome, EngineError> {
    let course = &input.course;
    let strategy_name = input.strategy.as_deref().unwrap_or(DEFAULT_STRATEGY);
    let strategy = strategy_by_name(strategy_name).ok_or_else(|| EngineError::UnknownStrategy {
        name: strategy_name.to_owned(),
    })?;
    if course.lesson(input.lesson).is_none() {
        return Err(EngineError::UnknownLesson {
            lesson: input.lesson,
            course: course.id,
        });
    }
    // Broken prerequisites elsewhere in the course never stop grading: the path ignores
    // the ones it cannot honour (`paths` says which), and so must the recommendations,
    // which read `Lesson::prerequisites`. Cloning the course is for broken courses only.
    let (graph, ignored) = LessonGraph::build_usable(course);
    let honoured;
    let course = if ignored.is_empty() {
        course
    } else {
        honoured = graph.honoured_course(course);
        &honoured
    };
    let lesson = course
        .lesson(input.lesson)
        .ok_or(EngineError::UnknownLesson {
            lesson: input.lesson,
            course: course.id,
        })?;

    let questions = course.questions_of(lesson.id);
    let timing = Timing {
        started_at: input.started_at,
        submitted_at: input.submitted_at,
        expected_seconds: expected_seconds(Some(lesson), questions.len()),
    };
    let graded = grade_attempt(&questions, &input.answers, &timing)?;

    let updates = update_skills(
        course,
        &questions,
        &graded,
        &input.mastery,
        input.now,
        scheduler,
    )?;
    let mut mastery = input.mastery.clone();
    mastery.extend(
        updates
            .iter()
            .map(|update| (update.skill, update.state.clone())),
    );

    let mut latest_scores = input.latest_scores.clone();
    latest_scores.insert(lesson.id, graded.score);
    let progress = StudentProgress {
        latest_scores,
        mastery,
    };
    let path = path_from_graph(course, &graph, &progress, input.completion_rule);

    let context = RecommendationContext {
        course,
        lesson: lesson.id,
        graded: &graded,
        attempt_questions: &questions,
        mastery: &progress.mastery,
        path: &path,
        recently_correct: &input.recently_correct,
        now: input.now,
    };
    let recommendations = strategy.recommend(&context);

    let active_at = input
        .submitted_at
        .filter(|submitted| *submitted <= input.now)
        .unwrap_or(input.now);
    let engagement = update_engagement(
        &input.engagement,
        graded.points_earned,
        active_at,
        input.time_zone.as_deref(),
    );

    Ok(AttemptOutcome {
        graded,
        mastery: updates,
        path,
        recommendations,
        superseded: input.active_recommendations.clone(),
        engagement,
        strategy: strategy.name().to_owned(),
    })
}

/// Every problem an editor should fix in a course: prerequisite cycles (one per group of
/// lessons that require each other) and unknown prerequisites, unusable skill
/// parameters, answer keys that do not fit their question, and questions assessing
/// skills outside the course. Empty when the course is fine. For save-time checks and
/// for the worker when it loads a course ([`super::issues::course_issues`] words them
/// for editors). [`process_attempt`] stops only at the problems of the attempted lesson
/// itself (its questions' keys and skills, the parameters of the skills they assess).
pub fn validate_course(course: &Course) -> Vec<EngineError> {
    let mut problems: Vec<EngineError> = prerequisite_problems(course)
        .into_iter()
        .map(EngineError::from)
        .collect();
    problems.extend(
        course
            .skills
            .iter()
            .filter_map(|skill| validate_skill(skill).err())
            .map(EngineError::from),
    );
    for question in &course.questions {
        if let Err(error) = validate_question(question) {
            problems.push(error.into());
        }
        for &skill in question
            .skills
            .iter()
            .filter(|&&skill| course.skill(skill).is_none())
        {
            problems.push(EngineError::UnknownSkill {
                question: question.id,
                skill,
                course: course.id,
            });
        }
    }
    problems
}

/// BKT and FSRS updates for every skill the graded questions assess.
///
/// Each question is one observation of each of its skills (full credit is "correct";
/// an unanswered question is a wrong answer), applied in question order. Then one FSRS
/// review per skill at `now`, rated by [`ReviewRating::combine`] over the observations,
/// each rated by [`ReviewRating::for_answer`] with the attempt's pace.
pub fn update_skills(
    course: &Course,
    questions: &[&Question],
    graded: &GradedAttempt,
    prior: &HashMap<i64, MasteryState>,
    now: DateTime<Utc>,
    scheduler: &ReviewScheduler,
) -> Result<Vec<SkillUpdate>, EngineError> {
    let observations = observations_by_skill(course, questions, graded)?;
    let pace: Option<Pace> = graded.speed.pace;
    let mut updates = Vec::with_capacity(observations.len());
    for (skill, answers) in observations {
        validate_skill(skill)?;
        let mut state = prior
            .get(&skill.id)
            .cloned()
            .unwrap_or_else(|| MasteryState::new(skill, course.mastery_threshold));
        let p_known_before = state.p_known;
        let mut predictions = Vec::with_capacity(answers.len());
        for &(question, correct) in &answers {
            predictions.push(AnswerPrediction {
                question,
                p_correct: super::mastery::p_correct(state.p_known, skill),
                correct,
            });
            state.observe(skill, correct, course.mastery_threshold);
        }
        let ratings: Vec<ReviewRating> = answers
            .iter()
            .map(|&(_, correct)| ReviewRating::for_answer(correct, pace))
            .collect();
        let rating = ReviewRating::combine(&ratings).unwrap_or(ReviewRating::Good);
        scheduler.review(&mut state, rating, now);
        updates.push(SkillUpdate {
            skill: skill.id,
            p_known_before,
            predictions,
            rating,
            state,
        });
    }
    Ok(updates)
}

/// (skill, (question, answered right) in order) in order of first appearance.
type Observations<'a> = Vec<(&'a Skill, Vec<(i64, bool)>)>;

fn observations_by_skill<'a>(
    course: &'a Course,
    questions: &[&Question],
    graded: &GradedAttempt,
) -> Result<Observations<'a>, EngineError> {
    let mut observations: Observations<'a> = Vec::new();
    for (question, result) in questions.iter().zip(&graded.results) {
        for &skill_id in &question.skills {
            match observations
                .iter_mut()
                .find(|(skill, _)| skill.id == skill_id)
            {
                Some((_, answers)) => answers.push((question.id, result.correct)),
                None => {
                    let skill = course.skill(skill_id).ok_or(EngineError::UnknownSkill {
                        question: question.id,
                        skill: skill_id,
                        course: course.id,
                    })?;
                    observations.push((skill, vec![(question.id, result.correct)]));
                }
            }
        }
    }
    Ok(observations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::mastery::update;
    use crate::learning::paths::StepState;
    use crate::learning::recommend::RecommendationKind;
    use crate::learning::testkit::{course, day, lesson, skill, tf_question};
    use chrono::Duration;
    use serde_json::json;

    /// Lesson 1 (skills 1, 2) -> lesson 2 (skill 2). Lesson 1: questions 11 (skill 1),
    /// 12 (skills 1 and 2), 13 (skill 2), 14 (no skill).
    fn input(answers: Value) -> AttemptInput {
        let mut l1 = lesson(1, &[]);
        l1.skills = vec![1, 2];
        l1.estimated_minutes = Some(10.0);
        let mut l2 = lesson(2, &[1]);
        l2.skills = vec![2];
        let questions = vec![
            tf_question(11, 1, &[1]),
            tf_question(12, 1, &[1, 2]),
            tf_question(13, 1, &[2]),
            tf_question(14, 1, &[]),
            tf_question(21, 2, &[2]),
            tf_question(22, 2, &[2]),
        ];
        AttemptInput {
            student: "4f1c".into(),
            course: course(
                vec![l1, l2],
                vec![
                    skill(1, "Understanding fractions"),
                    skill(2, "Equivalent fractions"),
                ],
                questions,
            ),
            lesson: 1,
            answers,
            started_at: Some(day(0)),
            submitted_at: Some(day(0) + Duration::minutes(10)),
            now: day(0) + Duration::minutes(11),
            mastery: HashMap::new(),
            latest_scores: HashMap::new(),
            recently_correct: HashSet::new(),
            engagement: Engagement::default(),
            time_zone: None,
            strategy: None,
            completion_rule: CompletionRule::LatestScore,
            active_recommendations: vec![7, 8],
        }
    }

    #[test]
    fn a_perfect_attempt_end_to_end() {
        let outcome = process_attempt(&input(
            json!({"11": true, "12": true, "13": true, "14": true}),
        ))
        .expect("processes");
        assert_eq!(outcome.graded.score, 1.0);
        assert_eq!(outcome.graded.speed.pace, Some(Pace::Normal));
        assert_eq!(
            outcome.mastery.iter().map(|u| u.skill).collect::<Vec<_>>(),
            vec![1, 2]
        );
        let s = skill(1, "s");
        let twice = update(update(0.2, true, &s), true, &s);
        assert!(
            (outcome.mastery[0].state.p_known - twice).abs() < 1e-15,
            "skill 1 observed by questions 11 and 12"
        );
        assert_eq!(outcome.mastery[0].state.observations, 2);
        assert_eq!(outcome.mastery[0].p_known_before, 0.2);
        assert_eq!(outcome.mastery[0].rating, ReviewRating::Good);
        assert_eq!(
            outcome.mastery[0].state.last_review,
            Some(day(0) + Duration::minutes(11))
        );
        assert!(outcome.mastery[0].state.due.is_some());
        assert_eq!(
            outcome
                .path
                .steps
                .iter()
                .map(|s| s.state)
                .collect::<Vec<_>>(),
            vec![StepState::Done, StepState::Available]
        );
        assert_eq!(outcome.path.current_lesson, Some(2));
        assert_eq!(outcome.recommendations[0].kind, RecommendationKind::Advance);
        assert_eq!(outcome.recommendations[0].lesson, Some(2));
        assert_eq!(outcome.superseded, vec![7, 8]);
        assert_eq!(outcome.engagement.xp, 40);
        assert_eq!(outcome.engagement.streak_days, 1);
        assert_eq!(
            outcome.engagement.last_active_at,
            Some(day(0) + Duration::minutes(10))
        );
        assert_eq!(outcome.strategy, "threshold-rules");
    }

    #[test]
    fn a_poor_attempt_remediates_the_weakest_skill() {
        let outcome = process_attempt(&input(json!({"11": true, "12": false, "13": false})))
            .expect("processes");
        assert_eq!(outcome.graded.score, 0.25);
        assert_eq!(
            outcome.mastery[1].rating,
            ReviewRating::Again,
            "skill 2: two wrong answers"
        );
        assert_eq!(
            outcome.mastery[0].rating,
            ReviewRating::Hard,
            "skill 1: one right, one wrong"
        );
        let first = &outcome.recommendations[0];
        assert_eq!(
            (first.kind, first.skill),
            (RecommendationKind::Remediate, Some(2))
        );
        // Skill 2's practice: lesson 2's questions, not lesson 1's.
        let practice = outcome
            .recommendations
            .iter()
            .find(|r| r.kind == RecommendationKind::Practice)
            .expect("practice");
        assert_eq!(practice.questions, vec![21, 22]);
        assert_eq!(outcome.path.current_lesson, Some(1));
    }

    #[test]
    fn fast_correct_answers_are_easy_reviews() {
        let mut fast = input(json!({"11": true, "12": true, "13": true, "14": true}));
        fast.submitted_at = Some(day(0) + Duration::minutes(2));
        let outcome = process_attempt(&fast).expect("processes");
        assert_eq!(outcome.graded.speed.pace, Some(Pace::Fast));
        assert!(
            outcome
                .mastery
                .iter()
                .all(|u| u.rating == ReviewRating::Easy)
        );
    }

    #[test]
    fn untrusted_timing_rates_correct_answers_good() {
        let mut negative = input(json!({"11": true, "12": true, "13": true, "14": true}));
        negative.submitted_at = Some(day(0) - Duration::minutes(2));
        let outcome = process_attempt(&negative).expect("processes");
        assert_eq!(
            outcome.graded.speed.flag,
            Some(crate::learning::SpeedFlag::Negative)
        );
        assert!(
            outcome
                .mastery
                .iter()
                .all(|u| u.rating == ReviewRating::Good)
        );
        assert_eq!(
            outcome.engagement.last_active_at,
            Some(day(0) - Duration::minutes(2))
        );
    }

    #[test]
    fn prior_mastery_is_continued_not_replayed() {
        let mut with_prior = input(json!({"11": true}));
        let mut prior = MasteryState::new(&skill(1, "s"), 0.95);
        prior.p_known = 0.7;
        prior.observations = 12;
        with_prior.mastery.insert(1, prior);
        let outcome = process_attempt(&with_prior).expect("processes");
        let s = skill(1, "s");
        let expected = update(update(0.7, true, &s), false, &s);
        assert!((outcome.mastery[0].state.p_known - expected).abs() < 1e-15);
        assert_eq!(outcome.mastery[0].state.observations, 14);
    }

    #[test]
    fn the_strategy_is_chosen_by_name() {
        let mut mastery_first = input(json!({"11": true, "12": true, "13": true, "14": true}));
        mastery_first.strategy = Some("mastery-first".into());
        let outcome = process_attempt(&mastery_first).expect("processes");
        assert_eq!(outcome.strategy, "mastery-first");
        // Lesson 2 builds on lesson 1's skills, which one perfect attempt does not master.
        assert_eq!(
            outcome.recommendations[0].kind,
            RecommendationKind::Practice
        );
        let mut unknown = input(json!({}));
        unknown.strategy = Some("coin-flip".into());
        assert_eq!(
            process_attempt(&unknown).expect_err("unknown").to_string(),
            "unknown strategy \"coin-flip\"; known strategies: threshold-rules, mastery-first"
        );
    }

    #[test]
    fn broken_content_of_the_attempted_lesson_is_an_error_that_names_it() {
        let mut broken_key = input(json!({}));
        broken_key.course.questions[0].kind = "essay".into();
        assert!(matches!(
            process_attempt(&broken_key),
            Err(EngineError::Key(KeyError { question: 11, .. }))
        ));

        let mut bad_skill = input(json!({"11": true}));
        bad_skill.course.skills[0].p_guess = 1.5;
        assert!(matches!(
            process_attempt(&bad_skill),
            Err(EngineError::Skill(_))
        ));

        let mut foreign_skill = input(json!({}));
        foreign_skill.course.questions[0].skills = vec![99];
        assert_eq!(
            process_attempt(&foreign_skill)
                .expect_err("unknown skill")
                .to_string(),
            "question 11 assesses skill 99, which is not a skill of course 1"
        );

        let mut missing_lesson = input(json!({}));
        missing_lesson.lesson = 42;
        assert_eq!(
            process_attempt(&missing_lesson)
                .expect_err("unknown lesson")
                .to_string(),
            "lesson 42 is not a lesson of course 1"
        );
    }

    /// Breaks the course outside lesson 1 (the attempted lesson) in one way.
    type Breakage = fn(&mut Course);

    fn breakages() -> Vec<(&'static str, Breakage)> {
        vec![
            ("a prerequisite cycle", |c| {
                c.lessons[0].prerequisites = vec![2]
            }),
            ("a broken key in another lesson", |c| {
                c.questions[4].answer_key = json!({"correct": "yes"});
            }),
            (
                "bad parameters of a skill only another lesson assesses",
                |c| {
                    let mut fractions = skill(3, "Fractions on a line");
                    fractions.p_slip = 0.0;
                    c.skills.push(fractions);
                    c.questions[5].skills = vec![2, 3];
                },
            ),
            (
                "another lesson's question assessing a skill outside the course",
                |c| {
                    c.questions[4].skills = vec![99];
                },
            ),
            (
                "a prerequisite on a lesson that is not in the course",
                |c| {
                    c.lessons[1].prerequisites.push(404);
                },
            ),
        ]
    }

    #[test]
    fn broken_content_elsewhere_in_the_course_never_stops_grading() {
        let answers = json!({"11": true, "12": true, "13": true, "14": true});
        let sound = process_attempt(&input(answers.clone())).expect("processes");
        let mut everything_broken = input(answers.clone());
        for (name, breakage) in breakages() {
            let mut broken = input(answers.clone());
            breakage(&mut broken.course);
            breakage(&mut everything_broken.course);
            assert!(
                !validate_course(&broken.course).is_empty(),
                "{name}: really broken"
            );
            let outcome = process_attempt(&broken).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(outcome.graded, sound.graded, "{name}");
            assert_eq!(outcome.mastery, sound.mastery, "{name}");
            assert_eq!(outcome.path, sound.path, "{name}");
            assert_eq!(outcome.engagement, sound.engagement, "{name}");
            assert!(!outcome.recommendations.is_empty(), "{name}");
        }
        assert_eq!(validate_course(&everything_broken.course).len(), 5);
        let outcome = process_attempt(&everything_broken).expect("all of it at once");
        assert_eq!(
            (outcome.graded, outcome.mastery, outcome.path),
            (sound.graded, sound.mastery, sound.path)
        );
    }

    #[test]
    fn a_lesson_on_a_cycle_is_graded_and_its_partner_opens() {
        // Lesson 2 requires lesson 1 and lesson 1 requires lesson 2: an attempt on either
        // is graded, and both are open from the start.
        let mut on_cycle = input(json!({"21": true, "22": true}));
        on_cycle.course.lessons[0].prerequisites = vec![2];
        on_cycle.lesson = 2;
        let outcome = process_attempt(&on_cycle).expect("processes");
        assert_eq!(outcome.graded.score, 1.0);
        assert_eq!(
            outcome.mastery.iter().map(|u| u.skill).collect::<Vec<_>>(),
            vec![2]
        );
        assert_eq!(
            outcome
                .path
                .steps
                .iter()
                .map(|s| (s.lesson, s.state))
                .collect::<Vec<_>>(),
            vec![(1, StepState::Available), (2, StepState::Done)]
        );
        assert_eq!(outcome.recommendations[0].lesson, Some(1));
    }

    #[test]
    fn mastery_first_reads_only_the_prerequisites_the_path_honours() {
        // 1 <-> 2. The path ignores both prerequisites, so lesson 1 builds on no skill
        // and a perfect attempt on lesson 2 advances into it (reading the raw
        // prerequisites, mastery-first would hold it back for lesson 2's skills).
        let mut attempt = input(json!({"21": true, "22": true}));
        attempt.course.lessons[0].prerequisites = vec![2];
        attempt.lesson = 2;
        attempt.strategy = Some("mastery-first".into());
        let outcome = process_attempt(&attempt).expect("processes");
        assert_eq!(
            (
                outcome.recommendations[0].kind,
                outcome.recommendations[0].lesson
            ),
            (RecommendationKind::Advance, Some(1)),
            "{:?}",
            outcome.recommendations
        );
    }

    #[test]
    fn a_lesson_with_no_questions_completes_and_advances() {
        let mut empty = input(json!({}));
        empty.course.questions.retain(|q| q.lesson != Some(1));
        let outcome = process_attempt(&empty).expect("processes");
        assert!(outcome.graded.empty);
        assert!(outcome.mastery.is_empty(), "no question, no observation");
        assert_eq!(outcome.path.steps[0].state, StepState::Done);
        assert_eq!(outcome.recommendations[0].lesson, Some(2));
        assert_eq!(outcome.engagement.xp, 0);
    }

    #[test]
    fn an_empty_attempt_is_graded_wrong_everywhere() {
        let outcome = process_attempt(&input(json!({}))).expect("processes");
        assert_eq!(outcome.graded.score, 0.0);
        assert!(
            outcome
                .mastery
                .iter()
                .all(|u| u.rating == ReviewRating::Again)
        );
        assert_eq!(
            outcome.recommendations[0].kind,
            RecommendationKind::Remediate
        );
    }

    #[test]
    fn unknown_answer_keys_are_reported() {
        let outcome =
            process_attempt(&input(json!({"11": true, "21": true, "x": 1}))).expect("processes");
        assert_eq!(
            outcome.graded.unknown_questions,
            vec!["21".to_owned(), "x".to_owned()]
        );
    }

    #[test]
    fn the_input_deserializes_from_json() {
        let value = serde_json::to_value(input(json!({"11": true}))).expect("serializes");
        let back: AttemptInput = serde_json::from_value(value).expect("deserializes");
        assert_eq!(back, input(json!({"11": true})));
        let minimal: AttemptInput = serde_json::from_value(json!({
            "student": "s", "lesson": 1, "now": "2024-03-01T09:00:00Z",
            "course": {"id": 1, "lessons": [{"id": 1, "title": "A"}]}
        }))
        .expect("defaults fill the rest");
        assert!(process_attempt(&minimal).expect("processes").graded.empty);
    }

    #[test]
    fn validate_course_lists_every_problem() {
        let fine = input(json!({}));
        assert!(validate_course(&fine.course).is_empty());
        let mut broken = fine.course;
        broken.lessons[0].prerequisites = vec![2];
        broken.skills[1].p_slip = 0.0;
        broken.questions[2].answer_key = json!({"correct": "yes"});
        broken.questions[3].skills = vec![77];
        let problems: Vec<String> = validate_course(&broken)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            problems,
            vec![
                "prerequisite cycle: \"Lesson 1\" (1) requires \"Lesson 2\" (2) requires \"Lesson 1\" (1)",
                "skill 2 (Equivalent fractions): p_slip must be strictly between 0 and 1, got 0",
                "question 13 (true_false): answer_key.correct must be true or false, got a string",
                "question 14 assesses skill 77, which is not a skill of course 1",
            ]
        );
    }

    #[test]
    fn processing_is_deterministic() {
        let input = input(json!({"11": true, "12": false, "13": "true"}));
        assert_eq!(
            process_attempt(&input).expect("processes"),
            process_attempt(&input).expect("processes")
        );
    }

    #[test]
    fn each_answer_carries_bkts_prediction_made_before_it() {
        let outcome = process_attempt(&input(json!({"11": true, "12": false, "13": false})))
            .expect("processes");
        let s1 = &outcome.mastery[0];
        assert_eq!(s1.skill, 1);
        let questions: Vec<(i64, bool)> = s1
            .predictions
            .iter()
            .map(|p| (p.question, p.correct))
            .collect();
        assert_eq!(
            questions,
            [(11, true), (12, false)],
            "skill 1's answers, in order"
        );
        // The first from the prior, the second from the state after the first answer.
        let skill = input(json!({})).course.skill(1).unwrap().clone();
        let first = crate::learning::mastery::p_correct(s1.p_known_before, &skill);
        let second =
            crate::learning::mastery::p_correct(update(s1.p_known_before, true, &skill), &skill);
        assert!((s1.predictions[0].p_correct - first).abs() < 1e-12);
        assert!((s1.predictions[1].p_correct - second).abs() < 1e-12);
        assert!(second > first, "a right answer raises the next prediction");
        let s2 = &outcome.mastery[1];
        let questions: Vec<i64> = s2.predictions.iter().map(|p| p.question).collect();
        assert_eq!(questions, [12, 13]);
    }

    #[test]
    fn a_course_with_fitted_review_parameters_schedules_with_them() {
        let answers = json!({"11": true, "12": true, "13": true});
        let default = process_attempt(&input(answers.clone())).expect("processes");
        let mut fitted = input(answers);
        // Students who keep what they learn: initial stabilities four times the defaults.
        let mut parameters = fsrs::DEFAULT_PARAMETERS.to_vec();
        for w in &mut parameters[..4] {
            *w *= 4.0;
        }
        fitted.course.review_parameters = Some(parameters);
        let fitted = process_attempt(&fitted).expect("processes");
        let due = |o: &AttemptOutcome| o.mastery[0].state.due.expect("reviewed");
        assert!(
            due(&fitted) > due(&default),
            "fitted {} vs default {}",
            due(&fitted),
            due(&default)
        );
        // Unusable parameters (wrong length) fall back to the defaults.
        let mut broken = input(json!({"11": true, "12": true, "13": true}));
        broken.course.review_parameters = Some(vec![1.0; 3]);
        let broken = process_attempt(&broken).expect("processes");
        assert_eq!(due(&broken), due(&default));
    }
}
