//! The learning engine's CPU cost per graded attempt, in a synthetic course of 200
//! lessons (10 modules of 20, every tenth a remediation lesson), 40 skills and about
//! 1,050 questions of every type; the attempt answers a 50-question lesson.
//!
//! Run: `cargo bench -p pathwise --bench learning -- --warm-up-time 1 --measurement-time 3`

use std::collections::{HashMap, HashSet};
use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};

use pathwise::learning::engine::update_skills;
use pathwise::learning::grading::{Timing, expected_seconds};
use pathwise::learning::{
    AttemptInput, CompletionRule, Course, Lesson, LessonKind, MasteryState, Question,
    RecommendationContext, ReviewScheduler, Skill, Strategy, StudentProgress, ThresholdRules,
    build_path, grade_attempt, process_attempt,
};

const LESSONS: i64 = 200;
const SKILLS: i64 = 40;
const ATTEMPTED_LESSON: i64 = 101;
const ATTEMPT_QUESTIONS: i64 = 50;
const OTHER_QUESTIONS: i64 = 5;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0)
        .single()
        .expect("valid date")
}

/// Lesson `id` (1-based) in module `(id - 1) / 20`: requires the lesson before it and
/// the one seven before it, so the graph is a real DAG, not a chain.
fn lesson(id: i64) -> Lesson {
    let mut prerequisites = Vec::new();
    for back in [1, 7] {
        let before = id - back;
        if before >= 1 && before % 10 != 0 {
            prerequisites.push(before);
        }
    }
    Lesson {
        id,
        title: format!("Lesson {id}"),
        module_sort: (id - 1) / 20,
        sort: (id - 1) % 20,
        kind: if id % 10 == 0 {
            LessonKind::Remediation
        } else {
            LessonKind::Lesson
        },
        skills: vec![id % SKILLS + 1, (id + 1) % SKILLS + 1],
        prerequisites: if id % 10 == 0 {
            Vec::new()
        } else {
            prerequisites
        },
        estimated_minutes: Some(20.0),
        video_url: None,
    }
}

/// Question `n` of `lesson`, cycling through the seven types; returns it with a right
/// answer and a wrong one.
fn question(lesson: &Lesson, n: i64) -> (Question, Value, Value) {
    let abcd = json!([{"id": "a", "text": "1/2"}, {"id": "b", "text": "2/4"}, {"id": "c", "text": "1/3"}, {"id": "d", "text": "3/6"}]);
    let (kind, choices, key, right, wrong) = match n % 7 {
        0 => (
            "single_choice",
            abcd,
            json!({"correct": "b"}),
            json!("b"),
            json!("c"),
        ),
        1 => (
            "multiple_choice",
            abcd,
            json!({"correct": ["a", "b", "d"]}),
            json!(["a", "b", "d"]),
            json!(["a", "c"]),
        ),
        2 => (
            "true_false",
            Value::Null,
            json!({"correct": false}),
            json!(false),
            json!("true"),
        ),
        3 => (
            "numeric",
            Value::Null,
            json!({"value": 0.75, "tolerance": 0.01}),
            json!("0.75"),
            json!(0.8),
        ),
        4 => (
            "fraction",
            Value::Null,
            json!({"value": "3/4", "require_lowest_terms": true}),
            json!(" 3 / 4 "),
            json!("6/8"),
        ),
        5 => (
            "short_text",
            Value::Null,
            json!({"accepted": ["numerator", "the numerator"]}),
            json!(" The  Numerator"),
            json!("denominator"),
        ),
        _ => (
            "ordering",
            abcd,
            json!({"order": ["c", "a", "b", "d"], "scoring": "partial"}),
            json!(["c", "a", "b", "d"]),
            json!(["a", "c", "d", "b"]),
        ),
    };
    let question = Question {
        id: lesson.id * 1000 + n,
        lesson: Some(lesson.id),
        kind: kind.to_owned(),
        prompt: format!("Question {n}"),
        choices,
        answer_key: key,
        points: 1.0 + (n % 3) as f64,
        explanation: Some("Because.".to_owned()),
        skills: question_skills(lesson, n),
    };
    (question, right, wrong)
}

/// One of the lesson's two skills; every third question also assesses a skill of a
/// neighbouring lesson, so an attempt touches several skills, some twice per question.
fn question_skills(lesson: &Lesson, n: i64) -> Vec<i64> {
    let mut skills = vec![lesson.skills[(n % 2) as usize]];
    if n % 3 == 0 {
        skills.push((lesson.id + 2 + n % 4) % SKILLS + 1);
    }
    skills
}

struct Fixture {
    input: AttemptInput,
}

fn fixture() -> Fixture {
    let lessons: Vec<Lesson> = (1..=LESSONS).map(lesson).collect();
    let skills: Vec<Skill> = (1..=SKILLS)
        .map(|id| Skill {
            id,
            name: format!("Skill {id}"),
            p_init: 0.2,
            p_learn: 0.15,
            p_guess: 0.2,
            p_slip: 0.1,
        })
        .collect();
    let mut questions = Vec::new();
    let mut answers = Map::new();
    for lesson in &lessons {
        let count = if lesson.id == ATTEMPTED_LESSON {
            ATTEMPT_QUESTIONS
        } else {
            OTHER_QUESTIONS
        };
        for n in 0..count {
            let (question, right, wrong) = question(lesson, n);
            if lesson.id == ATTEMPTED_LESSON {
                // About 60% right: below the remediate threshold, the costliest branch
                // (remediation lesson plus practice question selection).
                answers.insert(
                    question.id.to_string(),
                    if n % 5 < 3 { right } else { wrong },
                );
            }
            questions.push(question);
        }
    }
    let mastery: HashMap<i64, MasteryState> = skills
        .iter()
        .map(|skill| {
            let mut state = MasteryState::new(skill, 0.95);
            state.p_known = 0.3 + (skill.id as f64) / 100.0;
            state.observations = 10;
            state.stability = Some(4.0 + skill.id as f64);
            state.difficulty = Some(5.0);
            state.last_review = Some(now() - Duration::days(skill.id % 15));
            state.due = Some(now() + Duration::days(5 - skill.id % 12));
            (skill.id, state)
        })
        .collect();
    let latest_scores = (1..ATTEMPTED_LESSON).map(|id| (id, 0.95)).collect();
    let recently_correct: HashSet<i64> = (1..ATTEMPTED_LESSON).map(|id| id * 1000).collect();
    let course = Course {
        id: 1,
        advance_threshold: 0.9,
        remediate_threshold: 0.7,
        mastery_threshold: 0.95,
        lessons,
        skills,
        questions,
        review_parameters: None,
    };
    let input = AttemptInput {
        student: "8a1f6c3e-5b7d-4d2a-9c1e-2f3b4a5c6d7e".to_owned(),
        course,
        lesson: ATTEMPTED_LESSON,
        answers: Value::Object(answers),
        started_at: Some(now() - Duration::minutes(25)),
        submitted_at: Some(now() - Duration::minutes(1)),
        now: now(),
        mastery,
        latest_scores,
        recently_correct,
        engagement: Default::default(),
        time_zone: Some("Europe/Paris".to_owned()),
        strategy: Some("threshold-rules".to_owned()),
        completion_rule: CompletionRule::ScoreOrMastery,
        active_recommendations: vec![1, 2, 3],
    };
    Fixture { input }
}

fn benches(c: &mut Criterion) {
    let Fixture { input } = fixture();
    let course = &input.course;
    let lesson = course
        .lesson(ATTEMPTED_LESSON)
        .expect("the attempted lesson exists");
    let questions = course.questions_of(ATTEMPTED_LESSON);
    assert_eq!(questions.len(), ATTEMPT_QUESTIONS as usize);
    let timing = Timing {
        started_at: input.started_at,
        submitted_at: input.submitted_at,
        expected_seconds: expected_seconds(Some(lesson), questions.len()),
    };
    let scheduler = ReviewScheduler::default();
    let graded = grade_attempt(&questions, &input.answers, &timing).expect("valid keys");
    let outcome = process_attempt(&input).expect("valid course");
    println!(
        "fixture: {} lessons, {} skills, {} questions; attempt score {:.2}, {} skills updated, {} recommendations",
        course.lessons.len(),
        course.skills.len(),
        course.questions.len(),
        outcome.graded.score,
        outcome.mastery.len(),
        outcome.recommendations.len()
    );

    c.bench_function("grade a 50-question attempt", |b| {
        b.iter(|| grade_attempt(black_box(&questions), black_box(&input.answers), &timing))
    });

    c.bench_function(
        "update mastery and reviews (every skill of the attempt)",
        |b| {
            b.iter(|| {
                update_skills(
                    course,
                    &questions,
                    black_box(&graded),
                    &input.mastery,
                    input.now,
                    &scheduler,
                )
            })
        },
    );

    let updates = update_skills(
        course,
        &questions,
        &graded,
        &input.mastery,
        input.now,
        &scheduler,
    )
    .expect("valid skills");
    let mut mastery = input.mastery.clone();
    mastery.extend(
        updates
            .into_iter()
            .map(|update| (update.skill, update.state)),
    );
    let progress = StudentProgress {
        latest_scores: input.latest_scores.clone(),
        mastery,
    };
    c.bench_function("learning path alone (200 lessons)", |b| {
        b.iter(|| build_path(course, black_box(&progress), CompletionRule::ScoreOrMastery))
    });

    c.bench_function("path and recommendations (200 lessons, 40 skills)", |b| {
        b.iter(|| {
            let path = build_path(course, black_box(&progress), CompletionRule::ScoreOrMastery)
                .expect("acyclic");
            let context = RecommendationContext {
                course,
                lesson: ATTEMPTED_LESSON,
                graded: &graded,
                attempt_questions: &questions,
                mastery: &progress.mastery,
                path: &path,
                recently_correct: &input.recently_correct,
                now: input.now,
            };
            ThresholdRules.recommend(&context)
        })
    });

    c.bench_function("process_attempt: all of the above plus engagement", |b| {
        b.iter(|| process_attempt(black_box(&input)))
    });
}

criterion_group!(learning, benches);
criterion_main!(learning);
