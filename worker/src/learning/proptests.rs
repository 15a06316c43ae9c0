//! Property tests across the engine: grading bounds and determinism, BKT bounds and
//! direction, path order, and recommendations that never point at a locked lesson.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use serde_json::{Value, json};

use super::content::{Course, Lesson, LessonKind, Question, Skill};
use super::engine::{AttemptInput, process_attempt};
use super::grading::{Timing, grade_attempt};
use super::mastery::{posterior, update};
use super::paths::{
    CompletionRule, LessonGraph, PathError, StepState, StudentProgress, build_path, lesson_order,
    usable_path,
};
use super::recommend::RecommendationKind;
use super::testkit::{course, day, lesson, question, skill, tf_question};

/// One question of every type, with `points` each.
fn question_set(points: &[f64]) -> Vec<Question> {
    let abcd = json!([{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}]);
    let mut questions = vec![
        question(1, "single_choice", abcd.clone(), json!({"correct": "b"})),
        question(
            2,
            "multiple_choice",
            abcd.clone(),
            json!({"correct": ["a", "c"]}),
        ),
        question(
            3,
            "multiple_choice",
            abcd.clone(),
            json!({"correct": ["a", "b", "d"], "scoring": "all_or_nothing"}),
        ),
        question(4, "true_false", Value::Null, json!({"correct": false})),
        question(
            5,
            "numeric",
            Value::Null,
            json!({"value": 0.75, "tolerance": 0.01}),
        ),
        question(
            6,
            "numeric",
            Value::Null,
            json!({"value": -2, "tolerance": 0.1, "tolerance_kind": "relative"}),
        ),
        question(7, "fraction", Value::Null, json!({"value": "3/4"})),
        question(
            8,
            "fraction",
            Value::Null,
            json!({"value": "3/2", "require_lowest_terms": true}),
        ),
        question(
            9,
            "short_text",
            Value::Null,
            json!({"accepted": ["numerator", "the numerator"]}),
        ),
        question(
            10,
            "ordering",
            abcd.clone(),
            json!({"order": ["d", "a", "c", "b"], "scoring": "partial"}),
        ),
        question(11, "ordering", abcd, json!({"order": ["a", "b", "c", "d"]})),
    ];
    for (question, points) in questions.iter_mut().zip(points.iter().cycle()) {
        question.points = *points;
    }
    questions
}

fn answer_value() -> impl Strategy<Value = Value> {
    let words = vec![
        "a",
        "b",
        "c",
        "d",
        "z",
        "3/4",
        "6/8",
        "0.75",
        "1 1/2",
        "3/2",
        "numerator",
        " The  Numerator",
        " ",
        "true",
        "-2.1",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-10_i64..10).prop_map(Value::from),
        (-3.0_f64..3.0).prop_map(Value::from),
        prop::sample::select(words).prop_map(Value::from),
        ".{0,6}".prop_map(Value::from),
    ];
    let ids = prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "d", "z"]), 0..6)
        .prop_map(|ids| json!(ids));
    prop_oneof![3 => leaf, 2 => ids, 1 => Just(json!({"x": 1}))]
}

fn answers() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(prop::option::of(answer_value()), 11),
        prop::option::of(answer_value()),
    )
        .prop_map(|(values, stray)| {
            let mut map: serde_json::Map<String, Value> = values
                .into_iter()
                .enumerate()
                .filter_map(|(index, value)| value.map(|value| ((index + 1).to_string(), value)))
                .collect();
            if let Some(stray) = stray {
                map.insert("999".into(), stray);
            }
            Value::Object(map)
        })
}

fn bkt_skill() -> impl Strategy<Value = Skill> {
    (0.001_f64..0.999, 0.001_f64..0.999, 0.001_f64..0.6)
        .prop_flat_map(|(p_init, p_learn, p_guess)| {
            (
                Just(p_init),
                Just(p_learn),
                Just(p_guess),
                0.001..(0.999 - p_guess),
            )
        })
        .prop_map(|(p_init, p_learn, p_guess, p_slip)| Skill {
            id: 1,
            name: "s".into(),
            p_init,
            p_learn,
            p_guess,
            p_slip,
        })
}

/// A random acyclic course: lesson i may require any lessons before it (by index), ids
/// and sort keys shuffled so that neither follows the dependency order.
fn dag_course() -> impl Strategy<Value = Course> {
    (1_usize..25)
        .prop_flat_map(|n| {
            let prerequisites =
                prop::collection::vec(prop::collection::vec(any::<prop::sample::Index>(), 0..3), n);
            let ids = Just((1..=n as i64).collect::<Vec<_>>()).prop_shuffle();
            let keys = prop::collection::vec((0_i64..3, 0_i64..5), n);
            let kinds = prop::collection::vec(
                prop::sample::select(vec![
                    LessonKind::Lesson,
                    LessonKind::Lesson,
                    LessonKind::Practice,
                    LessonKind::Remediation,
                ]),
                n,
            );
            let skills = prop::collection::vec(prop::collection::vec(1_i64..=3, 0..3), n);
            (Just(n), prerequisites, ids, keys, kinds, skills)
        })
        .prop_map(|(n, prerequisites, ids, keys, kinds, skills)| {
            let mut lessons: Vec<Lesson> = Vec::with_capacity(n);
            let mut questions = Vec::new();
            for i in 0..n {
                let required: Vec<i64> = if i == 0 {
                    Vec::new()
                } else {
                    prerequisites[i]
                        .iter()
                        .map(|index| ids[index.index(i)])
                        .collect()
                };
                let mut l = lesson(ids[i], &required);
                (l.module_sort, l.sort) = keys[i];
                l.kind = kinds[i];
                l.skills = skills[i].clone();
                for q in 0..(i % 3) as i64 {
                    questions.push(tf_question(ids[i] * 100 + q, ids[i], &skills[i]));
                }
                lessons.push(l);
            }
            course(
                lessons,
                vec![skill(1, "one"), skill(2, "two"), skill(3, "three")],
                questions,
            )
        })
}

/// Latest scores for some lessons of a course of up to 25 lessons (ids 1..=25).
fn scores() -> impl Strategy<Value = HashMap<i64, f64>> {
    prop::collection::hash_map(
        1_i64..=25,
        prop_oneof![Just(1.0), Just(0.9), Just(0.5), 0.0_f64..=1.0],
        0..20,
    )
}

proptest! {
    #[test]
    fn scores_stay_in_zero_to_one(points in prop::collection::vec(0.0_f64..5.0, 11), answers in answers()) {
        let questions = question_set(&points);
        let refs: Vec<&Question> = questions.iter().collect();
        let graded = grade_attempt(&refs, &answers, &Timing::default()).expect("keys are valid");
        prop_assert!((0.0..=1.0).contains(&graded.score), "score {}", graded.score);
        prop_assert!(graded.points_earned <= graded.points_possible + 1e-9);
        for result in &graded.results {
            prop_assert!((0.0..=1.0).contains(&result.credit));
            prop_assert!(result.points_earned >= 0.0 && result.points_earned <= result.points_possible + 1e-12);
            prop_assert_eq!(result.correct, result.credit >= 1.0);
            prop_assert!(!result.feedback.is_empty());
        }
        prop_assert_eq!(graded.unknown_questions.contains(&"999".to_owned()), answers.get("999").is_some());
    }

    #[test]
    fn grading_is_deterministic(answers in answers()) {
        let questions = question_set(&[1.0, 2.0, 0.5]);
        let refs: Vec<&Question> = questions.iter().collect();
        let first = grade_attempt(&refs, &answers, &Timing::default()).expect("keys are valid");
        let second = grade_attempt(&refs, &answers, &Timing::default()).expect("keys are valid");
        prop_assert_eq!(first, second);
    }

    #[test]
    fn bkt_stays_inside_zero_one_and_follows_the_evidence(skill in bkt_skill(), answers in prop::collection::vec(any::<bool>(), 0..300)) {
        let mut p = skill.p_init;
        for correct in answers {
            let next = update(p, correct, &skill);
            prop_assert!(next > 0.0 && next < 1.0, "p_known {next}");
            if correct {
                prop_assert!(next >= p - 1e-12, "a right answer lowered {p} to {next}");
            } else {
                prop_assert!(posterior(p, false, &skill) <= p + 1e-12, "a wrong answer raised the posterior of {p}");
            }
            prop_assert!(update(p, false, &skill) <= update(p, true, &skill) + 1e-12);
            p = next;
        }
    }

    #[test]
    fn a_path_lists_each_lesson_once_after_its_prerequisites(course in dag_course(), scores in scores()) {
        let order = lesson_order(&course).expect("acyclic by construction");
        prop_assert_eq!(order.len(), course.lessons.len());
        let position: HashMap<i64, usize> = order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        prop_assert_eq!(position.len(), course.lessons.len(), "each lesson once");
        for lesson in &course.lessons {
            for prerequisite in &lesson.prerequisites {
                prop_assert!(position[prerequisite] < position[&lesson.id], "{} before its prerequisite {}", lesson.id, prerequisite);
            }
        }
        let progress = StudentProgress { latest_scores: scores, mastery: HashMap::new() };
        let path = build_path(&course, &progress, CompletionRule::ScoreOrMastery).expect("acyclic");
        let steps: Vec<i64> = path.steps.iter().map(|step| step.lesson).collect();
        let expected: HashSet<i64> = course.lessons.iter().filter(|l| l.kind != LessonKind::Remediation).map(|l| l.id).collect();
        prop_assert_eq!(steps.len(), expected.len());
        prop_assert_eq!(steps.iter().copied().collect::<HashSet<_>>(), expected);
        prop_assert!(steps.windows(2).all(|pair| position[&pair[0]] < position[&pair[1]]), "steps follow the order");
        for step in &path.steps {
            let lesson = course.lesson(step.lesson).expect("a lesson of the course");
            let prerequisites_done = lesson.prerequisites.iter().all(|p| {
                course.lesson(*p).is_some_and(|l| {
                    super::paths::is_done(&course, l, course.questions.iter().any(|q| q.lesson == Some(*p)), &progress, CompletionRule::ScoreOrMastery)
                })
            });
            match step.state {
                StepState::Available => prop_assert!(prerequisites_done),
                StepState::Locked => prop_assert!(!prerequisites_done),
                StepState::Done => {}
            }
        }
        prop_assert!((0.0..=1.0).contains(&path.progress));
        prop_assert_eq!(path.current_lesson, path.steps.iter().find(|s| s.state == StepState::Available).map(|s| s.lesson));
    }

    #[test]
    fn a_reported_cycle_is_a_real_cycle(n in 1_usize..12, edges in prop::collection::vec((0_usize..12, 0_usize..12), 0..20)) {
        let mut lessons: Vec<Lesson> = (1..=n as i64).map(|id| lesson(id, &[])).collect();
        for (from, to) in edges {
            let (from, to) = (from % n, to % n);
            let required = (to + 1) as i64;
            if !lessons[from].prerequisites.contains(&required) {
                lessons[from].prerequisites.push(required);
            }
        }
        let c = course(lessons, vec![], vec![]);
        match lesson_order(&c) {
            Ok(order) => prop_assert_eq!(order.len(), n),
            Err(PathError::Cycle { lessons, titles }) => {
                prop_assert!(!lessons.is_empty());
                prop_assert_eq!(lessons.len(), titles.len());
                prop_assert_eq!(lessons.iter().collect::<HashSet<_>>().len(), lessons.len(), "each lesson once on the cycle");
                for (i, id) in lessons.iter().enumerate() {
                    let next = lessons[(i + 1) % lessons.len()];
                    prop_assert!(c.lesson(*id).is_some_and(|l| l.prerequisites.contains(&next)), "{id} does not require {next}");
                }
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn a_usable_path_survives_any_prerequisites(n in 1_usize..12, edges in prop::collection::vec((0_usize..12, 0_usize..14), 0..24)) {
        // Lessons 1..=n; a prerequisite beyond n names a lesson not in the course.
        let mut lessons: Vec<Lesson> = (1..=n as i64).map(|id| lesson(id, &[])).collect();
        for (from, to) in edges {
            let required = if to >= 12 { 100 + to as i64 } else { (to % n + 1) as i64 };
            lessons[from % n].prerequisites.push(required);
        }
        let c = course(lessons, vec![], vec![]);
        let (graph, problems) = LessonGraph::build_usable(&c);
        prop_assert_eq!(problems.is_empty(), lesson_order(&c).is_ok());
        let path = usable_path(&c, &StudentProgress::default(), CompletionRule::LatestScore);
        let mut ids: Vec<i64> = path.steps.iter().map(|s| s.lesson).collect();
        ids.sort_unstable();
        prop_assert_eq!(ids, (1..=n as i64).collect::<Vec<_>>(), "every lesson once");
        prop_assert!(path.current_lesson.is_some(), "someone can always start");
        // Whether `from` requires `to`, directly or not, in the course as written.
        let requires = |from: usize, to: usize| {
            let mut seen = vec![false; n];
            let mut todo = vec![from];
            while let Some(at) = todo.pop() {
                for &p in &c.lessons[at].prerequisites {
                    let Some(p) = c.lessons.iter().position(|l| l.id == p) else { continue };
                    if p == to { return true; }
                    if !seen[p] { seen[p] = true; todo.push(p); }
                }
            }
            false
        };
        let placed: HashMap<usize, usize> = graph.order.iter().enumerate().map(|(rank, &p)| (p, rank)).collect();
        for (position, lesson) in c.lessons.iter().enumerate() {
            for &kept in &graph.prerequisites[position] {
                prop_assert!(lesson.prerequisites.contains(&c.lessons[kept].id), "a kept prerequisite was written");
                prop_assert!(placed[&kept] < placed[&position], "a kept prerequisite comes first");
            }
            for &written in &lesson.prerequisites {
                let Some(target) = c.lessons.iter().position(|l| l.id == written) else { continue };
                if !graph.prerequisites[position].contains(&target) {
                    prop_assert!(requires(target, position), "{} -> {} was dropped but is on no cycle", lesson.id, written);
                }
            }
        }
        for problem in &problems {
            if let PathError::Cycle { lessons, .. } = problem {
                for (i, id) in lessons.iter().enumerate() {
                    let next = lessons[(i + 1) % lessons.len()];
                    prop_assert!(c.lesson(*id).is_some_and(|l| l.prerequisites.contains(&next)));
                }
            }
        }
    }

    #[test]
    fn no_advance_recommendation_points_at_a_locked_lesson(
        course in dag_course(),
        scores in scores(),
        pick in any::<prop::sample::Index>(),
        right in prop::collection::vec(any::<bool>(), 3),
        mastery_first in any::<bool>(),
        recent in prop::collection::hash_set(100_i64..2_600, 0..10),
    ) {
        let lesson = course.lessons[pick.index(course.lessons.len())].id;
        let answers: serde_json::Map<String, Value> = course
            .questions_of(lesson)
            .iter()
            .zip(right.iter().cycle())
            .map(|(q, r)| (q.id.to_string(), json!(*r)))
            .collect();
        let input = AttemptInput {
            student: "s".into(),
            lesson,
            answers: Value::Object(answers),
            started_at: None,
            submitted_at: None,
            now: day(0),
            mastery: HashMap::new(),
            latest_scores: scores,
            recently_correct: recent.clone(),
            engagement: Default::default(),
            time_zone: None,
            strategy: Some(if mastery_first { "mastery-first" } else { "threshold-rules" }.into()),
            completion_rule: CompletionRule::ScoreOrMastery,
            active_recommendations: Vec::new(),
            course,
        };
        let outcome = process_attempt(&input).expect("valid course");
        let attempt_questions: HashSet<i64> = input.course.questions_of(lesson).iter().map(|q| q.id).collect();
        prop_assert!(!outcome.recommendations.is_empty());
        for recommendation in &outcome.recommendations {
            if let (RecommendationKind::Advance, Some(target)) = (recommendation.kind, recommendation.lesson) {
                prop_assert_eq!(outcome.path.state_of(target), Some(StepState::Available), "advance into {}", target);
            }
            if let Some(target) = recommendation.lesson {
                prop_assert!(input.course.lesson(target).is_some());
            }
            prop_assert!(recommendation.questions.len() <= 3);
            for question in &recommendation.questions {
                prop_assert!(!recent.contains(question), "recently correct question {} offered", question);
                prop_assert!(!attempt_questions.contains(question), "just-answered question {} offered", question);
            }
            prop_assert!(!recommendation.reason.is_empty());
        }
    }
}
