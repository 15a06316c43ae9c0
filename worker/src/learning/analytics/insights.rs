//! Nightly course insights: how each lesson and skill goes, who has gone quiet, and
//! which cohorts struggle, so that teachers can be told.
//!
//! Definitions (all thresholds in [`InsightThresholds`], defaults in brackets):
//!
//! - An attempt **touches** a skill when its per-skill observations name the skill; an
//!   attempt recorded without observations (`skills: None`) touches every skill of its
//!   lesson ([`InsightLesson::skills`]).
//! - **Attempts to pass** a lesson: a student's attempts on it, in submission order, up
//!   to and including the first passed one (1 = passed at the first try). Averaged over
//!   the students who passed; the others are counted as never passed.
//! - A student **struggles** with a skill when, after at least
//!   [`struggling_min_attempts`](InsightThresholds::struggling_min_attempts) (3)
//!   attempts touching it, the skill is not mastered and `p_known` is still below
//!   [`struggling_p_known`](InsightThresholds::struggling_p_known) (0.4). With the
//!   default BKT parameters a single right answer lifts `p_known` from 0.2 to 0.6, so
//!   below 0.4 after three attempts means mostly wrong answers, not a slow start. A
//!   student struggles in the course when they struggle with at least one skill.
//! - A student is **inactive** when their last activity (the later of their recorded
//!   last-active time and their last attempt in the course) is at least
//!   [`inactive_days`](InsightThresholds::inactive_days) (7) days before `now`, or
//!   unknown.
//! - **Time to mastery** of a mastered (student, skill): from the student's first attempt
//!   touching the skill to `mastered_at`, in days (never negative), and the attempts
//!   touching it submitted by then. Rows mastered without a `mastered_at` or without any
//!   attempt are not timed.
//! - A cohort **struggles** when, among its members active in the course (with an
//!   attempt or a mastery row, at least
//!   [`cohort_min_students`](InsightThresholds::cohort_min_students), 3), the share of
//!   struggling students exceeds
//!   [`cohort_struggling_share`](InsightThresholds::cohort_struggling_share) (30%), or
//!   when, over at least [`cohort_min_attempts`](InsightThresholds::cohort_min_attempts)
//!   (10) attempts, its members pass fewer than
//!   [`cohort_min_pass_rate`](InsightThresholds::cohort_min_pass_rate) (50%).
//!
//! The course's students are those with an attempt on one of its lessons, a mastery row
//! on one of its skills, or a place in one of its cohorts. Attempts on lessons outside
//! the course and mastery rows on other skills are ignored (and counted).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::stats;

/// A lesson of the course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightLesson {
    pub id: i64,
    pub title: String,
    /// The `sort` of the lesson's module in the course.
    #[serde(default)]
    pub module_sort: i64,
    /// The lesson's `sort` in its module.
    #[serde(default)]
    pub sort: i64,
    /// The skills the lesson teaches: what an attempt without observations touches.
    #[serde(default)]
    pub skills: Vec<i64>,
}

/// A skill of the course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightSkill {
    pub id: i64,
    pub name: String,
}

/// What a graded attempt showed about one skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillObservation {
    pub skill: i64,
    /// Answers on the skill in the attempt, and how many were right (informative).
    #[serde(default)]
    pub answers: u32,
    #[serde(default)]
    pub correct: u32,
}

/// A graded attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub id: i64,
    pub student: String,
    pub lesson: i64,
    /// 0..1.
    pub score: f64,
    pub passed: bool,
    pub submitted_at: DateTime<Utc>,
    /// `None` when not recorded: the attempt then touches all of its lesson's skills.
    #[serde(default)]
    pub skills: Option<Vec<SkillObservation>>,
}

/// A `mastery` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MasteryRow {
    pub student: String,
    pub skill: i64,
    pub p_known: f64,
    pub mastered: bool,
    #[serde(default)]
    pub mastered_at: Option<DateTime<Utc>>,
}

/// A student's last activity, from `student_profiles`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentActivity {
    pub student: String,
    pub last_active_at: Option<DateTime<Utc>>,
}

/// A cohort and its students.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortMembers {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    pub students: Vec<String>,
}

/// The thresholds of the insights; [`Default`] gives the documented values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InsightThresholds {
    /// A skill with `p_known` below this after enough attempts is struggled with (0.4).
    pub struggling_p_known: f64,
    /// Attempts touching a skill before a student can be said to struggle with it (3).
    pub struggling_min_attempts: usize,
    /// Days without activity that make a student inactive (7).
    pub inactive_days: i64,
    /// A cohort struggles above this share of struggling students (0.3).
    pub cohort_struggling_share: f64,
    /// A cohort struggles below this pass rate (0.5).
    pub cohort_min_pass_rate: f64,
    /// Active students a cohort needs before its share of strugglers is judged (3).
    pub cohort_min_students: usize,
    /// Attempts a cohort needs before its pass rate is judged (10).
    pub cohort_min_attempts: usize,
}

impl Default for InsightThresholds {
    fn default() -> Self {
        Self {
            struggling_p_known: 0.4,
            struggling_min_attempts: 3,
            inactive_days: 7,
            cohort_struggling_share: 0.3,
            cohort_min_pass_rate: 0.5,
            cohort_min_students: 3,
            cohort_min_attempts: 10,
        }
    }
}

/// Everything the insights of one course are computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightsInput {
    pub course: i64,
    pub lessons: Vec<InsightLesson>,
    pub skills: Vec<InsightSkill>,
    pub attempts: Vec<AttemptRecord>,
    pub mastery: Vec<MasteryRow>,
    pub activity: Vec<StudentActivity>,
    pub cohorts: Vec<CohortMembers>,
    pub now: DateTime<Utc>,
    #[serde(default)]
    pub thresholds: InsightThresholds,
}

/// The insights of one course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseInsights {
    pub course: i64,
    pub generated_at: DateTime<Utc>,
    /// Students of the course (see the module documentation).
    pub students: usize,
    /// In course order: module, then lesson, then id.
    pub lessons: Vec<LessonInsight>,
    /// By skill id.
    pub skills: Vec<SkillInsight>,
    pub inactive: InactiveStudents,
    /// By cohort id.
    pub cohorts: Vec<CohortInsight>,
    /// Attempts on lessons that are not in the course.
    pub ignored_attempts: usize,
    /// Mastery rows on skills that are not in the course.
    pub ignored_mastery_rows: usize,
}

/// How a lesson goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonInsight {
    pub lesson: i64,
    pub title: String,
    pub module_sort: i64,
    pub sort: i64,
    pub attempts: usize,
    pub passed_attempts: usize,
    /// Passed attempts over attempts; `None` without attempts.
    pub pass_rate: Option<f64>,
    pub mean_score: Option<f64>,
    /// Students with at least one attempt.
    pub students: usize,
    pub students_passed: usize,
    pub students_never_passed: usize,
    /// Over the students who passed; `None` when nobody did.
    pub attempts_to_pass_mean: Option<f64>,
    pub attempts_to_pass_median: Option<f64>,
}

/// How a skill goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillInsight {
    pub skill: i64,
    pub name: String,
    /// Students with a mastery row on the skill.
    pub students: usize,
    pub mean_p_known: Option<f64>,
    pub mastered: usize,
    pub struggling: usize,
    /// Struggling over students; `None` without students.
    pub struggling_share: Option<f64>,
    pub time_to_mastery: TimeToMastery,
}

/// From first attempt to mastery, over the mastered (student, skill) pairs that can be
/// timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeToMastery {
    /// Pairs timed.
    pub timed: usize,
    pub median_days: Option<f64>,
    pub mean_days: Option<f64>,
    pub median_attempts: Option<f64>,
    pub mean_attempts: Option<f64>,
    /// Rows not mastered yet.
    pub not_yet_mastered: usize,
}

/// Students without activity for [`InsightThresholds::inactive_days`] or more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InactiveStudents {
    pub days: i64,
    pub count: usize,
    /// Sorted.
    pub students: Vec<String>,
}

/// Why a cohort is flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CohortReason {
    /// The share of struggling students is above the threshold.
    ManyStrugglingStudents {
        struggling: usize,
        students: usize,
        share: f64,
        threshold: f64,
    },
    /// The pass rate is below the threshold.
    LowPassRate {
        passed: usize,
        attempts: usize,
        rate: f64,
        threshold: f64,
    },
}

/// How a cohort goes in the course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortInsight {
    pub cohort: i64,
    pub name: String,
    /// Members.
    pub students: usize,
    /// Members with an attempt or a mastery row in the course.
    pub active_students: usize,
    pub struggling_students: usize,
    pub struggling_share: Option<f64>,
    pub attempts: usize,
    pub pass_rate: Option<f64>,
    pub struggling: bool,
    pub reasons: Vec<CohortReason>,
    /// The reasons in plain words, for the teacher's notification; `None` when fine.
    pub text: Option<String>,
}

/// Computes the insights of one course.
pub fn course_insights(input: &InsightsInput) -> CourseInsights {
    let t = &input.thresholds;
    let lessons: BTreeMap<i64, &InsightLesson> = input.lessons.iter().map(|l| (l.id, l)).collect();
    let skill_ids: BTreeSet<i64> = input.skills.iter().map(|s| s.id).collect();

    let mut attempts: Vec<&AttemptRecord> = input
        .attempts
        .iter()
        .filter(|a| lessons.contains_key(&a.lesson))
        .collect();
    let ignored_attempts = input.attempts.len() - attempts.len();
    attempts.sort_by_key(|a| (a.submitted_at, a.id));
    let mastery: Vec<&MasteryRow> = input
        .mastery
        .iter()
        .filter(|m| skill_ids.contains(&m.skill))
        .collect();
    let ignored_mastery_rows = input.mastery.len() - mastery.len();

    // (student, skill) -> submission times of the attempts touching it, in order.
    let mut touches: BTreeMap<(&str, i64), Vec<DateTime<Utc>>> = BTreeMap::new();
    for attempt in &attempts {
        let touched: BTreeSet<i64> = match &attempt.skills {
            Some(observations) => observations.iter().map(|o| o.skill).collect(),
            None => lessons[&attempt.lesson].skills.iter().copied().collect(),
        };
        for skill in touched {
            touches
                .entry((attempt.student.as_str(), skill))
                .or_default()
                .push(attempt.submitted_at);
        }
    }
    let touch_count =
        |student: &str, skill: i64| touches.get(&(student, skill)).map_or(0, Vec::len);
    let is_struggling = |row: &MasteryRow| {
        !row.mastered
            && row.p_known < t.struggling_p_known
            && touch_count(&row.student, row.skill) >= t.struggling_min_attempts
    };
    let struggling_students: BTreeSet<&str> = mastery
        .iter()
        .filter(|row| is_struggling(row))
        .map(|row| row.student.as_str())
        .collect();

    let mut course_students: BTreeSet<&str> = BTreeSet::new();
    course_students.extend(attempts.iter().map(|a| a.student.as_str()));
    course_students.extend(mastery.iter().map(|m| m.student.as_str()));
    let engaged = course_students.clone();
    course_students.extend(
        input
            .cohorts
            .iter()
            .flat_map(|c| c.students.iter().map(String::as_str)),
    );

    // Grouped once (in submission order): a scan of every attempt per lesson and per
    // cohort took most of the 19 s of the nightly benchmark (10,000 students, a year).
    let mut by_lesson: HashMap<i64, Vec<&AttemptRecord>> = HashMap::new();
    let mut by_student: HashMap<&str, (usize, usize)> = HashMap::new();
    for attempt in &attempts {
        by_lesson.entry(attempt.lesson).or_default().push(attempt);
        let counts = by_student.entry(attempt.student.as_str()).or_default();
        counts.0 += 1;
        counts.1 += usize::from(attempt.passed);
    }
    let mut lesson_insights: Vec<LessonInsight> = input
        .lessons
        .iter()
        .map(|lesson| lesson_insight(lesson, by_lesson.get(&lesson.id).map_or(&[], Vec::as_slice)))
        .collect();
    lesson_insights.sort_by_key(|l| (l.module_sort, l.sort, l.lesson));

    let mut skills: Vec<SkillInsight> = input
        .skills
        .iter()
        .map(|skill| {
            let rows: Vec<&&MasteryRow> = mastery.iter().filter(|m| m.skill == skill.id).collect();
            let p_known: Vec<f64> = rows.iter().map(|m| m.p_known).collect();
            let struggling = rows.iter().filter(|row| is_struggling(row)).count();
            let (mut days, mut counts) = (Vec::new(), Vec::new());
            for row in rows.iter().filter(|row| row.mastered) {
                let (Some(mastered_at), Some(times)) = (
                    row.mastered_at,
                    touches.get(&(row.student.as_str(), row.skill)),
                ) else {
                    continue;
                };
                let seconds = (mastered_at - times[0]).num_seconds().max(0);
                days.push(seconds as f64 / 86_400.0);
                counts.push(times.iter().filter(|at| **at <= mastered_at).count() as f64);
            }
            SkillInsight {
                skill: skill.id,
                name: skill.name.clone(),
                students: rows.len(),
                mean_p_known: stats::mean(&p_known),
                mastered: rows.iter().filter(|m| m.mastered).count(),
                struggling,
                struggling_share: ratio(struggling, rows.len()),
                time_to_mastery: TimeToMastery {
                    timed: days.len(),
                    median_days: stats::median(&days),
                    mean_days: stats::mean(&days),
                    median_attempts: stats::median(&counts),
                    mean_attempts: stats::mean(&counts),
                    not_yet_mastered: rows.iter().filter(|m| !m.mastered).count(),
                },
            }
        })
        .collect();
    skills.sort_by_key(|s| s.skill);

    let mut last_active: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    let mut note = |student: &str, at: DateTime<Utc>| {
        if let Some(student) = course_students.get(student) {
            let entry = last_active.entry(student).or_insert(at);
            *entry = (*entry).max(at);
        }
    };
    for activity in &input.activity {
        if let Some(at) = activity.last_active_at {
            note(&activity.student, at);
        }
    }
    for attempt in &attempts {
        note(&attempt.student, attempt.submitted_at);
    }
    let cutoff = input.now - chrono::Duration::days(t.inactive_days);
    let inactive: Vec<String> = course_students
        .iter()
        .filter(|s| last_active.get(*s).is_none_or(|at| *at <= cutoff))
        .map(|s| (*s).to_owned())
        .collect();

    let mut cohorts: Vec<CohortInsight> = input
        .cohorts
        .iter()
        .map(|cohort| cohort_insight(cohort, &by_student, &engaged, &struggling_students, t))
        .collect();
    cohorts.sort_by_key(|c| c.cohort);

    CourseInsights {
        course: input.course,
        generated_at: input.now,
        students: course_students.len(),
        lessons: lesson_insights,
        skills,
        inactive: InactiveStudents {
            days: t.inactive_days,
            count: inactive.len(),
            students: inactive,
        },
        cohorts,
        ignored_attempts,
        ignored_mastery_rows,
    }
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// `mine`: the lesson's attempts, in submission order.
fn lesson_insight(lesson: &InsightLesson, mine: &[&AttemptRecord]) -> LessonInsight {
    let mut by_student: BTreeMap<&str, Vec<bool>> = BTreeMap::new();
    for attempt in mine {
        by_student
            .entry(attempt.student.as_str())
            .or_default()
            .push(attempt.passed);
    }
    let to_pass: Vec<f64> = by_student
        .values()
        .filter_map(|outcomes| outcomes.iter().position(|p| *p).map(|i| (i + 1) as f64))
        .collect();
    let passed_attempts = mine.iter().filter(|a| a.passed).count();
    let scores: Vec<f64> = mine.iter().map(|a| a.score).collect();
    LessonInsight {
        lesson: lesson.id,
        title: lesson.title.clone(),
        module_sort: lesson.module_sort,
        sort: lesson.sort,
        attempts: mine.len(),
        passed_attempts,
        pass_rate: ratio(passed_attempts, mine.len()),
        mean_score: stats::mean(&scores),
        students: by_student.len(),
        students_passed: to_pass.len(),
        students_never_passed: by_student.len() - to_pass.len(),
        attempts_to_pass_mean: stats::mean(&to_pass),
        attempts_to_pass_median: stats::median(&to_pass),
    }
}

/// `by_student`: each student's (attempts, passed attempts) in the course.
fn cohort_insight(
    cohort: &CohortMembers,
    by_student: &HashMap<&str, (usize, usize)>,
    engaged: &BTreeSet<&str>,
    struggling_students: &BTreeSet<&str>,
    t: &InsightThresholds,
) -> CohortInsight {
    let members: BTreeSet<&str> = cohort.students.iter().map(String::as_str).collect();
    let active = members.intersection(engaged).count();
    let struggling = members.intersection(struggling_students).count();
    let (attempted, passed) = members
        .iter()
        .filter_map(|m| by_student.get(m))
        .fold((0, 0), |(a, p), (ma, mp)| (a + ma, p + mp));
    let struggling_share = ratio(struggling, active);
    let pass_rate = ratio(passed, attempted);

    let mut reasons = Vec::new();
    if let Some(share) = struggling_share
        && active >= t.cohort_min_students
        && share > t.cohort_struggling_share
    {
        reasons.push(CohortReason::ManyStrugglingStudents {
            struggling,
            students: active,
            share,
            threshold: t.cohort_struggling_share,
        });
    }
    if let Some(rate) = pass_rate
        && attempted >= t.cohort_min_attempts
        && rate < t.cohort_min_pass_rate
    {
        reasons.push(CohortReason::LowPassRate {
            passed,
            attempts: attempted,
            rate,
            threshold: t.cohort_min_pass_rate,
        });
    }
    let text = (!reasons.is_empty()).then(|| {
        let name = if cohort.name.is_empty() {
            format!("Cohort {}", cohort.id)
        } else {
            format!("Cohort \u{201c}{}\u{201d}", cohort.name)
        };
        let parts: Vec<String> = reasons.iter().map(reason_words).collect();
        format!("{name} is struggling: {}.", parts.join("; "))
    });
    CohortInsight {
        cohort: cohort.id,
        name: cohort.name.clone(),
        students: members.len(),
        active_students: active,
        struggling_students: struggling,
        struggling_share,
        attempts: attempted,
        pass_rate,
        struggling: !reasons.is_empty(),
        reasons,
        text,
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn reason_words(reason: &CohortReason) -> String {
    match reason {
        CohortReason::ManyStrugglingStudents {
            struggling,
            students,
            share,
            threshold,
        } => format!(
            "{struggling} of its {students} active students ({}) are stuck on at least one \
             skill, above the alert level of {}",
            percent(*share),
            percent(*threshold)
        ),
        CohortReason::LowPassRate {
            passed,
            attempts,
            rate,
            threshold,
        } => format!(
            "only {passed} of its {attempts} attempts passed ({}), below the alert level of {}",
            percent(*rate),
            percent(*threshold)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 31, 22, 0, 0).unwrap()
    }

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 12, 0, 0).unwrap()
    }

    fn lesson(id: i64, module_sort: i64, sort: i64, skills: &[i64]) -> InsightLesson {
        InsightLesson {
            id,
            title: format!("Lesson {id}"),
            module_sort,
            sort,
            skills: skills.to_vec(),
        }
    }

    fn attempt(
        id: i64,
        student: &str,
        lesson: i64,
        passed: bool,
        at: DateTime<Utc>,
    ) -> AttemptRecord {
        AttemptRecord {
            id,
            student: student.into(),
            lesson,
            score: if passed { 0.9 } else { 0.4 },
            passed,
            submitted_at: at,
            skills: None,
        }
    }

    fn row(
        student: &str,
        skill: i64,
        p_known: f64,
        mastered_at: Option<DateTime<Utc>>,
    ) -> MasteryRow {
        MasteryRow {
            student: student.into(),
            skill,
            p_known,
            mastered: mastered_at.is_some(),
            mastered_at,
        }
    }

    fn input() -> InsightsInput {
        InsightsInput {
            course: 7,
            lessons: vec![lesson(2, 2, 1, &[20]), lesson(1, 1, 1, &[10])],
            skills: vec![
                InsightSkill {
                    id: 20,
                    name: "Adding fractions".into(),
                },
                InsightSkill {
                    id: 10,
                    name: "Equivalent fractions".into(),
                },
            ],
            attempts: Vec::new(),
            mastery: Vec::new(),
            activity: Vec::new(),
            cohorts: Vec::new(),
            now: now(),
            thresholds: InsightThresholds::default(),
        }
    }

    #[test]
    fn empty_inputs_give_an_empty_report() {
        let mut empty = input();
        empty.lessons.clear();
        empty.skills.clear();
        let insights = course_insights(&empty);
        assert_eq!(insights.students, 0);
        assert!(insights.lessons.is_empty() && insights.skills.is_empty());
        assert_eq!(insights.inactive.count, 0);
        // Lessons and skills without any record.
        let insights = course_insights(&input());
        assert_eq!(insights.lessons[0].pass_rate, None);
        assert_eq!(insights.lessons[0].attempts_to_pass_mean, None);
        assert_eq!(insights.skills[0].mean_p_known, None);
        assert_eq!(insights.skills[0].struggling_share, None);
        assert_eq!(insights.skills[0].time_to_mastery.timed, 0);
    }

    #[test]
    fn lessons_pass_rates_and_attempts_to_pass() {
        let mut data = input();
        data.attempts = vec![
            // a passes lesson 1 at the 3rd try, b at the 1st, c never; d only on lesson 2.
            attempt(3, "a", 1, true, day(3)),
            attempt(1, "a", 1, false, day(1)),
            attempt(2, "a", 1, false, day(2)),
            attempt(4, "a", 1, true, day(4)),
            attempt(5, "b", 1, true, day(1)),
            attempt(6, "c", 1, false, day(1)),
            attempt(7, "c", 1, false, day(2)),
            attempt(8, "d", 2, false, day(2)),
            attempt(9, "d", 99, true, day(2)),
        ];
        let insights = course_insights(&data);
        assert_eq!(insights.ignored_attempts, 1);
        let order: Vec<i64> = insights.lessons.iter().map(|l| l.lesson).collect();
        assert_eq!(order, [1, 2]);
        let one = &insights.lessons[0];
        assert_eq!((one.attempts, one.passed_attempts), (7, 3));
        assert_eq!(one.pass_rate, Some(3.0 / 7.0));
        assert_eq!(
            (one.students, one.students_passed, one.students_never_passed),
            (3, 2, 1)
        );
        assert_eq!(one.attempts_to_pass_mean, Some(2.0));
        assert_eq!(one.attempts_to_pass_median, Some(2.0));
        let two = &insights.lessons[1];
        assert_eq!((two.students_passed, two.students_never_passed), (0, 1));
        assert_eq!(two.attempts_to_pass_median, None);
        assert_eq!(two.mean_score, Some(0.4));
    }

    #[test]
    fn same_time_attempts_are_ordered_by_id() {
        let mut data = input();
        data.attempts = vec![
            attempt(2, "a", 1, true, day(1)),
            attempt(1, "a", 1, false, day(1)),
        ];
        assert_eq!(
            course_insights(&data).lessons[0].attempts_to_pass_mean,
            Some(2.0)
        );
    }

    #[test]
    fn skills_mastery_and_struggling() {
        let mut data = input();
        // Skill 10 through lesson 1 (no observations): a 3 attempts, b 2 attempts.
        data.attempts = vec![
            attempt(1, "a", 1, false, day(1)),
            attempt(2, "a", 1, false, day(2)),
            attempt(3, "a", 1, false, day(3)),
            attempt(4, "b", 1, false, day(1)),
            attempt(5, "b", 1, false, day(2)),
        ];
        data.mastery = vec![
            row("a", 10, 0.3, None), // struggling: 3 attempts, below 0.4
            row("b", 10, 0.1, None), // too few attempts to say
            row("c", 10, 0.5, None),
            row("d", 10, 0.96, Some(day(5))), // mastered, no attempt: untimed
            row("a", 55, 0.1, None),          // not a course skill
        ];
        let insights = course_insights(&data);
        assert_eq!(insights.ignored_mastery_rows, 1);
        let skill = &insights.skills[0];
        assert_eq!(
            (skill.skill, skill.name.as_str()),
            (10, "Equivalent fractions")
        );
        assert_eq!(skill.students, 4);
        assert!((skill.mean_p_known.unwrap() - (0.3 + 0.1 + 0.5 + 0.96) / 4.0).abs() < 1e-12);
        assert_eq!((skill.mastered, skill.struggling), (1, 1));
        assert_eq!(skill.struggling_share, Some(0.25));
        assert_eq!(skill.time_to_mastery.timed, 0);
        assert_eq!(skill.time_to_mastery.not_yet_mastered, 3);
        assert_eq!(insights.skills[1].skill, 20);
    }

    #[test]
    fn time_to_mastery_from_first_touching_attempt() {
        let mut data = input();
        let observed = |id, student: &str, skill, at| AttemptRecord {
            skills: Some(vec![SkillObservation {
                skill,
                answers: 2,
                correct: 1,
            }]),
            ..attempt(id, student, 2, true, at)
        };
        data.attempts = vec![
            // a: skill 20 from day 1, mastered day 4 after 2 attempts (3rd is later).
            observed(1, "a", 20, day(1)),
            observed(2, "a", 20, day(3)),
            observed(3, "a", 20, day(10)),
            // b: skill 20 from day 2, mastered day 2 + 12h after one attempt.
            observed(4, "b", 20, day(2)),
            // b also on lesson 2 with an observation on skill 10 only: not skill 20.
            observed(5, "b", 10, day(1)),
        ];
        data.mastery = vec![
            row("a", 20, 0.97, Some(day(4))),
            row("b", 20, 0.96, Some(day(2) + Duration::hours(12))),
            row("c", 20, 0.3, None),
        ];
        let time = &course_insights(&data).skills[1].time_to_mastery;
        assert_eq!(time.timed, 2);
        assert_eq!(time.mean_days, Some((3.0 + 0.5) / 2.0));
        assert_eq!(time.median_days, Some(1.75));
        assert_eq!(time.mean_attempts, Some(1.5));
        assert_eq!(time.not_yet_mastered, 1);
    }

    #[test]
    fn inactive_students() {
        let mut data = input();
        data.attempts = vec![
            attempt(1, "recent-attempt", 1, true, now() - Duration::days(2)),
            attempt(2, "old", 1, true, now() - Duration::days(30)),
            attempt(3, "exactly-seven", 1, true, now() - Duration::days(7)),
        ];
        data.activity = vec![
            StudentActivity {
                student: "old".into(),
                last_active_at: Some(now() - Duration::days(8)),
            },
            StudentActivity {
                student: "profile-recent".into(),
                last_active_at: Some(now()),
            },
            StudentActivity {
                student: "elsewhere".into(),
                last_active_at: None,
            },
        ];
        data.mastery = vec![
            row("profile-recent", 10, 0.5, None),
            row("never", 10, 0.2, None),
        ];
        data.cohorts = vec![CohortMembers {
            id: 1,
            name: String::new(),
            students: vec!["member".into()],
        }];
        let inactive = course_insights(&data).inactive;
        assert_eq!(inactive.days, 7);
        assert_eq!(
            inactive.students,
            ["exactly-seven", "member", "never", "old"]
        );
        assert_eq!(inactive.count, 4);
    }

    fn cohort(id: i64, name: &str, students: &[&str]) -> CohortMembers {
        CohortMembers {
            id,
            name: name.into(),
            students: students.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn cohorts_flagged_with_reasons_in_words() {
        let mut data = input();
        let mut id = 0;
        let mut tries = |student: &str, passed: bool, n: usize| {
            (0..n)
                .map(|k| {
                    id += 1;
                    attempt(id, student, 1, passed, day(1 + k as u32))
                })
                .collect::<Vec<_>>()
        };
        // Cohort 2: s1, s2 stuck (3 failed attempts, low p_known), s3 and s4 fine.
        // 6 failed + 8 passed attempts: pass rate 8/14, fine.
        let mut attempts = tries("s1", false, 3);
        attempts.extend(tries("s2", false, 3));
        attempts.extend(tries("s3", true, 4));
        attempts.extend(tries("s4", true, 4));
        // Cohort 1: t1..t3 fail a lot but have high p_known: pass rate 3/12.
        attempts.extend(tries("t1", false, 3));
        attempts.extend(tries("t2", false, 3));
        attempts.extend(tries("t3", false, 3));
        attempts.extend(tries("t3", true, 3));
        data.attempts = attempts;
        data.mastery = vec![
            row("s1", 10, 0.2, None),
            row("s2", 10, 0.3, None),
            row("s3", 10, 0.97, Some(day(3))),
            row("s4", 10, 0.9, None),
        ];
        data.cohorts = vec![
            cohort(2, "Year 7 B", &["s1", "s2", "s3", "s4", "absent"]),
            cohort(1, "", &["t1", "t2", "t3"]),
            cohort(3, "Small", &["s1", "s3"]),
        ];
        let cohorts = course_insights(&data).cohorts;
        let ids: Vec<i64> = cohorts.iter().map(|c| c.cohort).collect();
        assert_eq!(ids, [1, 2, 3]);

        let b = &cohorts[1];
        assert_eq!(
            (b.students, b.active_students, b.struggling_students),
            (5, 4, 2)
        );
        assert!(b.struggling);
        assert_eq!(
            b.reasons,
            [CohortReason::ManyStrugglingStudents {
                struggling: 2,
                students: 4,
                share: 0.5,
                threshold: 0.3
            }]
        );
        assert_eq!(
            b.text.as_deref(),
            Some(
                "Cohort \u{201c}Year 7 B\u{201d} is struggling: 2 of its 4 active students (50%) \
                 are stuck on at least one skill, above the alert level of 30%."
            )
        );

        let a = &cohorts[0];
        assert_eq!(a.pass_rate, Some(0.25));
        assert_eq!(
            a.text.as_deref(),
            Some(
                "Cohort 1 is struggling: only 3 of its 12 attempts passed (25%), below the alert \
                 level of 50%."
            )
        );

        // Two active students are too few to judge a share, 7 attempts too few for a rate.
        let small = &cohorts[2];
        assert_eq!(small.struggling_share, Some(0.5));
        assert!(!small.struggling);
        assert_eq!(small.text, None);
    }

    #[test]
    fn thresholds_default_field_by_field() {
        let t: InsightThresholds = serde_json::from_str(r#"{"inactive_days": 14}"#).unwrap();
        assert_eq!(t.inactive_days, 14);
        assert_eq!(t.struggling_p_known, 0.4);
    }

    #[test]
    fn output_serializes_deterministically() {
        let mut data = input();
        data.attempts = vec![
            attempt(1, "a", 1, true, day(1)),
            attempt(2, "b", 2, false, day(1)),
        ];
        data.cohorts = vec![cohort(1, "x", &["b", "a"])];
        let first = serde_json::to_string(&course_insights(&data)).unwrap();
        data.attempts.reverse();
        data.lessons.reverse();
        data.skills.reverse();
        assert_eq!(
            first,
            serde_json::to_string(&course_insights(&data)).unwrap()
        );
        let json: serde_json::Value = serde_json::from_str(&first).unwrap();
        assert_eq!(json["cohorts"][0]["reasons"], serde_json::json!([]));
    }
}
