//! The nightly analysis as one pure function: the records the worker read from Directus
//! in, each course's insights and model accuracy and the A/B report out
//! ([`analyse`]). `process::nightly` does the reading and the writing; the benchmark
//! (`benches/nightly.rs`) runs this on 10,000 students and a year of attempts.
//!
//! Where the numbers come from:
//! - an attempt *passed* when its score reached its course's advance threshold (the
//!   student moves on);
//! - *mastery gained* by an attempt is the sum over its skills of P(known) after minus
//!   before, and the moment a skill was *mastered* is the first graded attempt whose
//!   results say so, both as the worker stored them in the attempt's `results`;
//! - BKT's predictions are the ones recorded before each answer (`results.predictions`);
//!   attempts graded before Pathwise recorded them simply add no answer to the monitor.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ab_report::{AbAttempt, AbOptions, AbReport, AbStudent, ab_report};
use super::accuracy::{AccuracyOptions, AccuracyReport, AnswerRecord, accuracy_report};
use super::insights::{
    AttemptRecord, CohortMembers, CourseInsights, InsightLesson, InsightSkill, InsightThresholds,
    InsightsInput, MasteryRow, SkillObservation, StudentActivity, course_insights,
};
use crate::learning::content::{Course, THRESHOLD_EPSILON};
use crate::learning::fsrs_fit::{FitError, FittedReviewParameters, ReviewHistory, fit};

/// A skill's line in an attempt's stored results.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StoredSkill {
    pub skill: i64,
    pub before: f64,
    pub after: f64,
    #[serde(default)]
    pub mastered: bool,
    /// The FSRS review the attempt gave the skill (recorded since FSRS-6).
    #[serde(default)]
    pub rating: Option<crate::learning::reviews::ReviewRating>,
}

/// BKT's prediction for one answer, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StoredPrediction {
    pub skill: i64,
    pub question: i64,
    pub p_correct: f64,
    pub correct: bool,
}

/// A graded attempt, as the nightly analysis needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct GradedRecord {
    pub id: i64,
    pub student: String,
    pub lesson: i64,
    pub score: f64,
    /// When it was submitted (else created).
    pub submitted_at: DateTime<Utc>,
    /// When it was graded: the moment its mastery changes counted.
    pub graded_at: DateTime<Utc>,
    pub skills: Vec<StoredSkill>,
    pub predictions: Vec<StoredPrediction>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StudentRecord {
    pub student: String,
    pub last_active_at: Option<DateTime<Utc>>,
    /// The strategy the student was assigned (`None`: not in the experiment yet).
    pub strategy: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CohortRecord {
    pub id: i64,
    pub name: String,
    pub course: Option<i64>,
    pub students: Vec<String>,
    pub teachers: Vec<String>,
}

/// (student, skill, P(known), mastered)
pub type MasteryRecord = (String, i64, f64, bool);

/// Everything the nightly analysis reads.
#[derive(Debug, Clone, Default)]
pub struct NightlyData {
    /// The published courses' structures.
    pub courses: Vec<Course>,
    /// Graded attempts of every course, in any order.
    pub attempts: Vec<GradedRecord>,
    pub mastery: Vec<MasteryRecord>,
    pub students: Vec<StudentRecord>,
    pub cohorts: Vec<CohortRecord>,
}

/// One course's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseAnalysis {
    pub insights: CourseInsights,
    pub accuracy: AccuracyReport,
    /// The teachers of each struggling cohort, to notify: (cohort, teachers, words).
    pub cohort_alerts: Vec<(i64, Vec<String>, String)>,
    /// FSRS-6 parameters fitted on the course's review history, with the log loss of the
    /// defaults and of the fit; or why not (too little history).
    pub review_fit: Result<FittedReviewParameters, FitError>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NightlyAnalysis {
    pub courses: Vec<CourseAnalysis>,
    pub ab: AbReport,
}

/// The whole nightly analysis. `experiment` names the experiment students' strategies
/// belong to (the worker's setting).
pub fn analyse(data: &NightlyData, now: DateTime<Utc>, experiment: &str) -> NightlyAnalysis {
    let course_of_lesson: HashMap<i64, &Course> = data
        .courses
        .iter()
        .flat_map(|course| course.lessons.iter().map(move |l| (l.id, course)))
        .collect();
    let mut attempts: Vec<&GradedRecord> = data
        .attempts
        .iter()
        .filter(|a| course_of_lesson.contains_key(&a.lesson))
        .collect();
    // Time order (ties by id): predictions and the moment of mastery follow it.
    attempts.sort_by(|a, b| a.graded_at.cmp(&b.graded_at).then(a.id.cmp(&b.id)));
    let passed = |a: &GradedRecord| {
        course_of_lesson
            .get(&a.lesson)
            .is_some_and(|c| a.score + THRESHOLD_EPSILON >= c.advance_threshold)
    };
    // The first graded attempt saying a (student, skill) is mastered.
    let mut mastered_at: HashMap<(&str, i64), DateTime<Utc>> = HashMap::new();
    // The first attempt touching a (student, skill).
    let mut first_seen: HashMap<(&str, i64), DateTime<Utc>> = HashMap::new();
    for attempt in &attempts {
        for skill in &attempt.skills {
            let key = (attempt.student.as_str(), skill.skill);
            first_seen.entry(key).or_insert(attempt.submitted_at);
            if skill.mastered {
                mastered_at.entry(key).or_insert(attempt.graded_at);
            }
        }
    }
    let activity: Vec<StudentActivity> = data
        .students
        .iter()
        .map(|s| StudentActivity {
            student: s.student.clone(),
            last_active_at: s.last_active_at,
        })
        .collect();

    let mut by_course: HashMap<i64, Vec<&GradedRecord>> = HashMap::new();
    for attempt in &attempts {
        if let Some(course) = course_of_lesson.get(&attempt.lesson) {
            by_course.entry(course.id).or_default().push(attempt);
        }
    }
    let mut courses = Vec::with_capacity(data.courses.len());
    for course in &data.courses {
        let skill_ids: std::collections::HashSet<i64> =
            course.skills.iter().map(|s| s.id).collect();
        let course_attempts: &[&GradedRecord] =
            by_course.get(&course.id).map_or(&[], Vec::as_slice);
        let input = InsightsInput {
            course: course.id,
            lessons: course
                .lessons
                .iter()
                .map(|l| InsightLesson {
                    id: l.id,
                    title: l.title.clone(),
                    module_sort: l.module_sort,
                    sort: l.sort,
                    skills: l.skills.clone(),
                })
                .collect(),
            skills: course
                .skills
                .iter()
                .map(|s| InsightSkill {
                    id: s.id,
                    name: s.name.clone(),
                })
                .collect(),
            attempts: course_attempts
                .iter()
                .map(|a| AttemptRecord {
                    id: a.id,
                    student: a.student.clone(),
                    lesson: a.lesson,
                    score: a.score,
                    passed: passed(a),
                    submitted_at: a.submitted_at,
                    skills: (!a.skills.is_empty()).then(|| observations(a)),
                })
                .collect(),
            mastery: data
                .mastery
                .iter()
                .filter(|(_, skill, _, _)| skill_ids.contains(skill))
                .map(|(student, skill, p_known, mastered)| MasteryRow {
                    student: student.clone(),
                    skill: *skill,
                    p_known: *p_known,
                    mastered: *mastered,
                    mastered_at: mastered_at.get(&(student.as_str(), *skill)).copied(),
                })
                .collect(),
            activity: activity.clone(),
            cohorts: data
                .cohorts
                .iter()
                .filter(|c| c.course == Some(course.id))
                .map(|c| CohortMembers {
                    id: c.id,
                    name: c.name.clone(),
                    students: c.students.clone(),
                })
                .collect(),
            now,
            thresholds: InsightThresholds::default(),
        };
        let insights = course_insights(&input);
        let answers: Vec<AnswerRecord> = course_attempts
            .iter()
            .flat_map(|a| {
                a.predictions.iter().map(|p| AnswerRecord {
                    student: a.student.clone(),
                    skill: p.skill,
                    item: p.question,
                    predicted: p.p_correct,
                    correct: p.correct,
                })
            })
            .collect();
        let accuracy = accuracy_report(
            &answers,
            &AccuracyOptions {
                skill_names: course
                    .skills
                    .iter()
                    .map(|s| (s.id, s.name.clone()))
                    .collect(),
                ..AccuracyOptions::default()
            },
        );
        let cohort_alerts = insights
            .cohorts
            .iter()
            .filter(|c| c.struggling)
            .filter_map(|c| {
                let cohort = data.cohorts.iter().find(|r| r.id == c.cohort)?;
                Some((
                    c.cohort,
                    cohort.teachers.clone(),
                    c.text
                        .clone()
                        .unwrap_or_else(|| format!("{} struggles.", c.name)),
                ))
            })
            .collect();
        let mut histories: BTreeMap<(&str, i64), ReviewHistory> = BTreeMap::new();
        for attempt in course_attempts {
            for skill in &attempt.skills {
                if let Some(rating) = skill.rating {
                    histories
                        .entry((attempt.student.as_str(), skill.skill))
                        .or_default()
                        .push((attempt.graded_at, rating));
                }
            }
        }
        let histories: Vec<ReviewHistory> = histories.into_values().collect();
        courses.push(CourseAnalysis {
            insights,
            accuracy,
            cohort_alerts,
            review_fit: fit(&histories),
        });
    }

    // The A/B report: every student with a strategy, their attempts across courses.
    let mut by_student: BTreeMap<&str, Vec<&GradedRecord>> = BTreeMap::new();
    for attempt in &attempts {
        by_student
            .entry(attempt.student.as_str())
            .or_default()
            .push(attempt);
    }
    let ab_students: Vec<AbStudent> = data
        .students
        .iter()
        .filter_map(|s| {
            let strategy = s.strategy.clone()?;
            let theirs = by_student
                .get(s.student.as_str())
                .cloned()
                .unwrap_or_default();
            let mut days = Vec::new();
            let mut not_mastered = 0u32;
            let mut skills: Vec<i64> = theirs
                .iter()
                .flat_map(|a| a.skills.iter().map(|k| k.skill))
                .collect();
            skills.sort_unstable();
            skills.dedup();
            for skill in skills {
                let key = (s.student.as_str(), skill);
                match (first_seen.get(&key), mastered_at.get(&key)) {
                    (Some(first), Some(done)) => {
                        days.push((*done - *first).num_seconds().max(0) as f64 / 86_400.0);
                    }
                    _ => not_mastered += 1,
                }
            }
            Some(AbStudent {
                student: s.student.clone(),
                experiment: experiment.to_owned(),
                strategy,
                attempts: theirs
                    .iter()
                    .map(|a| AbAttempt {
                        passed: passed(a),
                        mastery_gained: a.skills.iter().map(|k| k.after - k.before).sum(),
                        submitted_at: a.submitted_at,
                    })
                    .collect(),
                time_to_mastery_days: days,
                skills_not_mastered: not_mastered,
            })
        })
        .collect();
    let ab = ab_report(&ab_students, &AbOptions::default());
    NightlyAnalysis { courses, ab }
}

/// An attempt's answers per skill, from its predictions (one per answer and skill).
fn observations(attempt: &GradedRecord) -> Vec<SkillObservation> {
    let mut by_skill: BTreeMap<i64, (u32, u32)> =
        attempt.skills.iter().map(|s| (s.skill, (0, 0))).collect();
    for p in &attempt.predictions {
        let entry = by_skill.entry(p.skill).or_default();
        entry.0 += 1;
        entry.1 += u32::from(p.correct);
    }
    by_skill
        .into_iter()
        .map(|(skill, (answers, correct))| SkillObservation {
            skill,
            answers,
            correct,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::testkit::{course, day, lesson, skill};

    fn record(
        id: i64,
        student: &str,
        score: f64,
        at: i64,
        skill: (i64, f64, f64, bool),
        correct: bool,
    ) -> GradedRecord {
        GradedRecord {
            id,
            student: student.into(),
            lesson: 1,
            score,
            submitted_at: day(at),
            graded_at: day(at),
            skills: vec![StoredSkill {
                skill: skill.0,
                before: skill.1,
                after: skill.2,
                mastered: skill.3,
                rating: None,
            }],
            predictions: vec![StoredPrediction {
                skill: skill.0,
                question: 11,
                p_correct: skill.1,
                correct,
            }],
        }
    }

    fn data() -> NightlyData {
        let mut l1 = lesson(1, &[]);
        l1.skills = vec![1];
        let mut c = course(vec![l1], vec![skill(1, "Adding fractions")], vec![]);
        c.id = 7;
        NightlyData {
            courses: vec![c],
            attempts: vec![
                // Out of order on purpose: the analysis sorts by time.
                record(3, "a", 1.0, 3, (1, 0.8, 0.97, true), true),
                record(1, "a", 0.5, 1, (1, 0.2, 0.5, false), false),
                record(2, "a", 0.95, 2, (1, 0.5, 0.8, false), true),
                record(4, "b", 0.2, 1, (1, 0.2, 0.1, false), false),
                // Another course's lesson: ignored.
                GradedRecord {
                    lesson: 99,
                    ..record(5, "b", 1.0, 1, (1, 0.2, 0.9, true), true)
                },
            ],
            mastery: vec![("a".into(), 1, 0.97, true), ("b".into(), 1, 0.1, false)],
            students: vec![
                StudentRecord {
                    student: "a".into(),
                    last_active_at: Some(day(3)),
                    strategy: Some("threshold-rules".into()),
                },
                StudentRecord {
                    student: "b".into(),
                    last_active_at: Some(day(1)),
                    strategy: Some("threshold-rules".into()),
                },
            ],
            cohorts: vec![],
        }
    }

    #[test]
    fn insights_count_passes_by_the_advance_threshold_and_time_mastery_from_results() {
        let analysis = analyse(&data(), day(10), "strategy-2026");
        let insights = &analysis.courses[0].insights;
        let lesson = &insights.lessons[0];
        assert_eq!(
            (lesson.attempts, lesson.passed_attempts),
            (4, 2),
            "0.95 and 1.0 pass at 0.9"
        );
        assert_eq!(
            lesson.attempts_to_pass_mean,
            Some(2.0),
            "a passed at the second attempt"
        );
        let skill = &insights.skills[0];
        assert_eq!(skill.mastered, 1);
        assert_eq!(skill.time_to_mastery.timed, 1);
        assert_eq!(
            skill.time_to_mastery.median_days,
            Some(2.0),
            "first seen day 1, mastered day 3"
        );
        assert_eq!(
            insights.inactive.count, 2,
            "both last active 7 days or more before day 10"
        );
    }

    #[test]
    fn the_ab_report_sums_mastery_gained_and_times_mastery() {
        let analysis = analyse(&data(), day(10), "strategy-2026");
        let experiment = &analysis.ab.experiments[0];
        assert_eq!(experiment.experiment, "strategy-2026");
        let strategy = &experiment.strategies[0];
        assert_eq!(
            (strategy.students, strategy.attempts),
            (2, 4),
            "an attempt on a lesson of no published course does not count"
        );
        let gained = strategy.mastery_gained_per_attempt.as_ref().unwrap().value;
        // a: (0.3 + 0.3 + 0.17) / 3, b: -0.1; the mean of per-student means.
        let expected = ((0.3 + 0.3 + 0.17) / 3.0 + -0.1) / 2.0;
        assert!((gained - expected).abs() < 1e-9, "{gained} vs {expected}");
        assert_eq!(strategy.skills_mastered, 1);
        assert_eq!(strategy.skills_not_mastered, 1);
    }

    #[test]
    fn predictions_feed_the_accuracy_monitor_in_time_order() {
        let analysis = analyse(&data(), day(10), "strategy-2026");
        let accuracy = &analysis.courses[0].accuracy;
        let overall = accuracy.overall.as_ref().unwrap();
        assert_eq!(overall.n, 4);
        assert!((overall.observed_rate - 0.5).abs() < 1e-12);
    }
}
