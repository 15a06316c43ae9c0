//! Content problems for the people who fix them, and for the students they stop.
//!
//! [`course_issues`] turns what [`validate_course`] and [`validate_thresholds`] find
//! into [`ContentIssue`]s: one per thing to fix, each with a stable `key` (the same
//! problem always has the same key), the item and field to open in the admin UI, and a
//! sentence in an editor's words.
//! [`reconcile_issues`] decides how the stored `content_issues` rows must change so that
//! each problem is recorded once: new problems are opened, problems that came back are
//! reopened, problems that are gone are resolved, and nothing else is written.
//! [`student_reason`] says why an attempt could not be graded without revealing any
//! answer key (students never read keys).

use std::collections::HashSet;

use serde::Serialize;

use super::answer_key::KeyError;
use super::content::Course;
use super::editor_words::{
    key_fields, key_message, parameter_label, question_label, requires_chain, round, short_prompt,
    threshold_label,
};
use super::engine::{EngineError, validate_course};
use super::mastery::SkillError;
use super::paths::PathError;
use super::thresholds::{ThresholdError, validate_thresholds};

/// One problem an editor should fix, as the worker records it in `content_issues`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentIssue {
    /// The same problem always gets the same key, e.g. `questions:57:answer_key` or
    /// `cycle:3,4` (the lessons of the cycle, by id).
    pub key: String,
    /// The course the problem was found in.
    pub course: i64,
    /// `courses`, `skills`, `lessons` or `questions`: where to fix it.
    pub collection: &'static str,
    /// The id of the item to fix.
    pub item: String,
    /// The field to fix, when one is to blame.
    pub field: Option<&'static str>,
    /// What is wrong and what it does, in an editor's words, naming items by title.
    pub problem: String,
}

/// Every problem of `course` as a [`ContentIssue`], each key once: its thresholds
/// ([`validate_thresholds`]), then [`validate_course`]'s problems in its order.
pub fn course_issues(course: &Course) -> Vec<ContentIssue> {
    let mut seen = HashSet::new();
    let thresholds = validate_thresholds(course)
        .into_iter()
        .map(|error| describe_threshold(course, &error));
    let engine = validate_course(course)
        .into_iter()
        .filter_map(|error| describe(course, &error));
    thresholds
        .chain(engine)
        .filter(|issue| seen.insert(issue.key.clone()))
        .collect()
}

/// A threshold that cannot work, for editors. Grading goes on with it, but its results
/// are not what the editor meant.
pub fn describe_threshold(course: &Course, error: &ThresholdError) -> ContentIssue {
    let (field, problem) = match error {
        ThresholdError::OutOfRange {
            threshold, value, ..
        } => (
            *threshold,
            format!(
                "{} of this course is {value}; it must be between 0 and 1 (the default is {}). Until it is fixed, students' next steps are not what it means them to be.",
                upper_first(threshold_label(threshold)),
                match *threshold {
                    "advance_threshold" => "0.9",
                    "remediate_threshold" => "0.7",
                    _ => "0.95",
                }
            ),
        ),
        ThresholdError::RemediateAboveAdvance {
            remediate, advance, ..
        } => (
            "remediate_threshold",
            format!(
                "This course's remediate_threshold ({remediate}) is above its advance_threshold ({advance}): a score between them would both move a student on and send them back. Set it at or below the advance threshold."
            ),
        ),
    };
    ContentIssue {
        key: format!("courses:{}:{field}", course.id),
        course: course.id,
        collection: "courses",
        item: course.id.to_string(),
        field: Some(field),
        problem,
    }
}

/// `error` as an issue for editors; `None` for errors that are no content problem (an
/// unknown lesson or strategy in the input).
pub fn describe(course: &Course, error: &EngineError) -> Option<ContentIssue> {
    let issue = |key: String, collection, item: i64, field, problem: String| ContentIssue {
        key,
        course: course.id,
        collection,
        item: item.to_string(),
        field,
        problem,
    };
    Some(match error {
        EngineError::Path(PathError::Cycle { lessons, titles }) => {
            let mut ids = lessons.clone();
            ids.sort_unstable();
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            let problem = match titles.as_slice() {
                [_] => format!(
                    "{}. Remove it from its own prerequisites; until then it is shown as if it did not.",
                    requires_chain(titles)
                ),
                _ => format!(
                    "{}. Remove one of these prerequisites; until then students may take these lessons in any order.",
                    requires_chain(titles)
                ),
            };
            issue(
                format!("cycle:{}", ids.join(",")),
                "lessons",
                lessons.first().copied().unwrap_or_default(),
                Some("prerequisites"),
                problem,
            )
        }
        EngineError::Path(PathError::UnknownPrerequisite {
            lesson,
            title,
            prerequisite,
        }) => issue(
            format!("lessons:{lesson}:prerequisites:{prerequisite}"),
            "lessons",
            *lesson,
            Some("prerequisites"),
            format!(
                "'{title}' requires lesson {prerequisite}, which is not a published lesson of this course. Students are not held back by it."
            ),
        ),
        EngineError::Path(PathError::DuplicateLesson { lesson }) => issue(
            format!("lessons:{lesson}:duplicate"),
            "lessons",
            *lesson,
            None,
            format!(
                "{} appears more than once in the course; only its first place counts.",
                lesson_name(course, *lesson)
            ),
        ),
        EngineError::Skill(SkillError::OutOfRange {
            skill,
            name,
            parameter,
            value,
        }) => issue(
            format!("skills:{skill}:{parameter}"),
            "skills",
            *skill,
            Some(*parameter),
            format!(
                "'{name}': {} must be strictly between 0 and 1 (it is {value}). Attempts on lessons whose questions assess '{name}' are rejected until it is fixed.",
                parameter_label(parameter)
            ),
        ),
        EngineError::Skill(SkillError::GuessAndSlipTooHigh { skill, name, sum }) => issue(
            format!("skills:{skill}:p_guess+p_slip"),
            "skills",
            *skill,
            Some("p_guess"),
            format!(
                "'{name}': p_guess + p_slip is {}; it must be below 1, otherwise a right answer would lower the estimate that a student knows the skill. Attempts on lessons whose questions assess '{name}' are rejected until it is fixed.",
                round(*sum)
            ),
        ),
        EngineError::Key(KeyError {
            question,
            kind,
            problem,
        }) => {
            let (field, _) = key_fields(problem);
            issue(
                format!("questions:{question}:{field}"),
                "questions",
                *question,
                Some(field),
                format!(
                    "{}: {} Attempts on {} are rejected until it is fixed.",
                    question_label(course, *question),
                    key_message(kind, problem),
                    lesson_of_question(course, *question),
                ),
            )
        }
        EngineError::UnknownSkill {
            question, skill, ..
        } => issue(
            format!("questions:{question}:skills:{skill}"),
            "questions",
            *question,
            Some("skills"),
            format!(
                "{}: it assesses skill {skill}, which is not a skill of this course. Attempts on {} are rejected until it is fixed.",
                question_label(course, *question),
                lesson_of_question(course, *question),
            ),
        ),
        EngineError::UnknownLesson { .. } | EngineError::UnknownStrategy { .. } => return None,
    })
}

/// Why an attempt could not be graded, for the student who made it. Says which question
/// or skill is at fault, never what its key holds.
pub fn student_reason(course: &Course, error: &EngineError) -> String {
    let what = match error {
        EngineError::Key(KeyError { question, .. }) => format!(
            "{} has a mistake in its answer key",
            quoted_question(course, *question)
        ),
        EngineError::Skill(
            SkillError::OutOfRange { name, .. } | SkillError::GuessAndSlipTooHigh { name, .. },
        ) => format!("the skill \"{name}\" that this lesson practises is set up wrongly"),
        EngineError::UnknownSkill { question, .. } => format!(
            "{} is linked to a skill of another course",
            quoted_question(course, *question)
        ),
        _ => "this lesson's content has a mistake".to_owned(),
    };
    format!(
        "This attempt could not be graded: {what}. Nothing you answered caused it, and the course's editors have been told; try the lesson again once they have fixed it."
    )
}

/// An issue as stored in `content_issues`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredIssue {
    pub id: i64,
    pub key: String,
    pub course: Option<i64>,
    pub collection: String,
    pub item: String,
    pub field: Option<String>,
    /// `status` is `open` (anything else counts as resolved).
    pub open: bool,
    pub problem: String,
}

impl StoredIssue {
    /// Whether the row already says what `issue` says.
    fn says(&self, issue: &ContentIssue) -> bool {
        self.course == Some(issue.course)
            && self.collection == issue.collection
            && self.item == issue.item
            && self.field.as_deref() == issue.field
            && self.problem == issue.problem
    }
}

/// A write to `content_issues`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueChange {
    /// A problem not recorded yet: create its row, open.
    Open(ContentIssue),
    /// A problem whose row was resolved is back: reopen the row, with the current words.
    Reopen { id: i64, issue: ContentIssue },
    /// Still open, but its words or place changed (a title edited, another mistake in the
    /// same key): bring the row up to date; it stays open.
    Reword { id: i64, issue: ContentIssue },
    /// An open problem of this course is gone: mark its row resolved.
    Resolve { id: i64, key: String },
}

/// The writes that make `stored` record exactly the problems `found` in course `course`:
/// each found problem open once, every other open issue of this course resolved. `stored`
/// holds the rows of this course and any row whose key is among `found` (a problem can
/// move between courses with its item). Rows already right are left alone, so running it
/// again on its own result changes nothing.
pub fn reconcile_issues(
    course: i64,
    found: &[ContentIssue],
    stored: &[StoredIssue],
) -> Vec<IssueChange> {
    let mut changes = Vec::new();
    let mut found_keys = HashSet::new();
    for issue in found {
        if !found_keys.insert(issue.key.as_str()) {
            continue;
        }
        match stored.iter().find(|row| row.key == issue.key) {
            None => changes.push(IssueChange::Open(issue.clone())),
            Some(row) if !row.open => changes.push(IssueChange::Reopen {
                id: row.id,
                issue: issue.clone(),
            }),
            Some(row) if !row.says(issue) => changes.push(IssueChange::Reword {
                id: row.id,
                issue: issue.clone(),
            }),
            Some(_) => {}
        }
    }
    changes.extend(
        stored
            .iter()
            .filter(|row| {
                row.open && row.course == Some(course) && !found_keys.contains(row.key.as_str())
            })
            .map(|row| IssueChange::Resolve {
                id: row.id,
                key: row.key.clone(),
            }),
    );
    changes
}

/// `question "What is 1/2 + 1/4?"` or `question 57`, for a student.
fn quoted_question(course: &Course, question: i64) -> String {
    match course
        .questions
        .iter()
        .find(|q| q.id == question)
        .and_then(|q| short_prompt(&q.prompt))
    {
        Some(prompt) => format!("the question \"{prompt}\""),
        None => format!("question {question}"),
    }
}

/// "The advance threshold" from "the advance threshold".
fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `'Comparing fractions'`, the lesson a question belongs to, or `its lesson`.
fn lesson_of_question(course: &Course, question: i64) -> String {
    course
        .questions
        .iter()
        .find(|q| q.id == question)
        .and_then(|q| q.lesson)
        .and_then(|lesson| course.lesson(lesson))
        .map_or_else(|| "its lesson".to_owned(), |l| format!("'{}'", l.title))
}

fn lesson_name(course: &Course, lesson: i64) -> String {
    course.lesson(lesson).map_or_else(
        || format!("Lesson {lesson}"),
        |l| format!("Lesson {lesson} ('{}')", l.title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::testkit::{course, lesson, question, skill, tf_question};
    use serde_json::json;

    /// "Ordering fractions" (1) <-> "Comparing fractions" (2), and "Adding fractions" (3)
    /// after both, with a single-choice question 31 in lesson 3.
    fn fractions() -> Course {
        let mut ordering = lesson(1, &[2]);
        ordering.title = "Ordering fractions".into();
        let mut comparing = lesson(2, &[1]);
        comparing.title = "Comparing fractions".into();
        let mut adding = lesson(3, &[1, 2]);
        adding.title = "Adding fractions".into();
        let mut choice = question(
            31,
            "single_choice",
            json!([{"id": "a", "text": "1/2"}, {"id": "b", "text": "3/4"}]),
            json!({"correct": "b"}),
        );
        choice.lesson = Some(3);
        choice.prompt = "What is 1/2 + 1/4?".into();
        choice.skills = vec![1];
        course(
            vec![ordering, comparing, adding],
            vec![skill(1, "Adding fractions")],
            vec![choice, tf_question(11, 1, &[1])],
        )
    }

    fn keys(issues: &[ContentIssue]) -> Vec<&str> {
        issues.iter().map(|i| i.key.as_str()).collect()
    }

    #[test]
    fn a_sound_course_has_no_issue() {
        let mut sound = fractions();
        sound.lessons[0].prerequisites.clear();
        assert_eq!(course_issues(&sound), vec![]);
    }

    #[test]
    fn a_cycle_is_one_issue_in_an_editors_words() {
        let issues = course_issues(&fractions());
        assert_eq!(
            issues,
            vec![ContentIssue {
                key: "cycle:1,2".into(),
                course: 1,
                collection: "lessons",
                item: "1".into(),
                field: Some("prerequisites"),
                problem: "'Ordering fractions' requires 'Comparing fractions', which requires 'Ordering fractions'. Remove one of these prerequisites; until then students may take these lessons in any order.".into(),
            }]
        );
    }

    #[test]
    fn a_longer_cycle_and_a_lesson_requiring_itself() {
        let mut three = fractions();
        three.lessons[0].prerequisites = vec![3];
        three.lessons[1].prerequisites = vec![1];
        three.lessons[2].prerequisites = vec![2];
        let issues = course_issues(&three);
        assert_eq!(keys(&issues), vec!["cycle:1,2,3"]);
        assert_eq!(
            issues[0].problem,
            "'Ordering fractions' requires 'Adding fractions', which requires 'Comparing fractions', which requires 'Ordering fractions'. Remove one of these prerequisites; until then students may take these lessons in any order."
        );
        let mut itself = fractions();
        itself.lessons[0].prerequisites = vec![1];
        itself.lessons[1].prerequisites.clear();
        let issues = course_issues(&itself);
        assert_eq!(keys(&issues), vec!["cycle:1"]);
        assert!(
            issues[0]
                .problem
                .starts_with("'Ordering fractions' requires itself."),
            "{}",
            issues[0].problem
        );
    }

    #[test]
    fn two_separate_cycles_are_two_issues() {
        let mut two = fractions();
        two.lessons.push(lesson(4, &[5]));
        two.lessons.push(lesson(5, &[4]));
        assert_eq!(keys(&course_issues(&two)), vec!["cycle:1,2", "cycle:4,5"]);
    }

    #[test]
    fn a_broken_key_names_the_question_its_lesson_and_the_field() {
        let mut broken = fractions();
        broken.lessons[0].prerequisites.clear();
        broken.questions[0].answer_key = json!({"correct": "zz"});
        let issues = course_issues(&broken);
        assert_eq!(keys(&issues), vec!["questions:31:answer_key"]);
        let issue = &issues[0];
        assert_eq!(
            (issue.collection, issue.item.as_str(), issue.field),
            ("questions", "31", Some("answer_key"))
        );
        assert_eq!(
            issue.problem,
            "Question 'What is 1/2 + 1/4?': the answer key names choice \"zz\", which is not one of the question's choices (a, b). Attempts on 'Adding fractions' are rejected until it is fixed."
        );
    }

    #[test]
    fn key_problems_point_at_their_field() {
        let mut c = fractions();
        c.lessons[0].prerequisites.clear();
        c.questions[0].choices = json!("a, b");
        assert_eq!(keys(&course_issues(&c)), vec!["questions:31:choices"]);
        c.questions[0].choices = json!([{"id": "a"}, {"id": "b"}]);
        c.questions[0].kind = "essay".into();
        assert_eq!(keys(&course_issues(&c)), vec!["questions:31:type"]);
        c.questions[0].kind = "single_choice".into();
        c.questions[0].points = -1.0;
        assert_eq!(keys(&course_issues(&c)), vec!["questions:31:points"]);
    }

    #[test]
    fn skill_parameters_and_foreign_skills() {
        let mut c = fractions();
        c.lessons[0].prerequisites.clear();
        c.skills[0].p_slip = 1.5;
        c.questions[1].skills = vec![1, 99];
        let issues = course_issues(&c);
        assert_eq!(
            keys(&issues),
            vec!["skills:1:p_slip", "questions:11:skills:99"]
        );
        assert_eq!(issues[0].field, Some("p_slip"));
        assert_eq!(
            issues[0].problem,
            "'Adding fractions': the chance of a wrong answer despite knowing it (p_slip) must be strictly between 0 and 1 (it is 1.5). Attempts on lessons whose questions assess 'Adding fractions' are rejected until it is fixed."
        );
        assert_eq!(
            issues[1].problem,
            "Question 'Question 11': it assesses skill 99, which is not a skill of this course. Attempts on 'Ordering fractions' are rejected until it is fixed."
        );
        c.skills[0].p_slip = 0.5;
        c.skills[0].p_guess = 0.6;
        let issues = course_issues(&c);
        assert_eq!(keys(&issues)[0], "skills:1:p_guess+p_slip");
        assert_eq!(issues[0].field, Some("p_guess"));
    }

    #[test]
    fn unknown_prerequisites_and_duplicate_lessons() {
        let mut c = fractions();
        c.lessons[0].prerequisites = vec![99, 99];
        c.lessons[1].prerequisites.clear();
        c.lessons.push(lesson(3, &[]));
        let issues = course_issues(&c);
        assert_eq!(
            keys(&issues),
            vec!["lessons:3:duplicate", "lessons:1:prerequisites:99"]
        );
        assert_eq!(
            issues[1].problem,
            "'Ordering fractions' requires lesson 99, which is not a published lesson of this course. Students are not held back by it."
        );
        assert_eq!(
            issues[0].problem,
            "Lesson 3 ('Adding fractions') appears more than once in the course; only its first place counts."
        );
    }

    #[test]
    fn thresholds_that_cannot_work_are_issues_of_the_course() {
        let mut c = fractions();
        c.lessons[0].prerequisites.clear();
        c.advance_threshold = 1.5;
        let issues = course_issues(&c);
        assert_eq!(keys(&issues), vec!["courses:1:advance_threshold"]);
        assert_eq!(
            (
                issues[0].collection,
                issues[0].item.as_str(),
                issues[0].field
            ),
            ("courses", "1", Some("advance_threshold"))
        );
        assert!(
            issues[0]
                .problem
                .starts_with("The advance threshold (advance_threshold) of this course is 1.5; it must be between 0 and 1 (the default is 0.9)."),
            "{}",
            issues[0].problem
        );
        c.advance_threshold = 0.6;
        let issues = course_issues(&c);
        assert_eq!(keys(&issues), vec!["courses:1:remediate_threshold"]);
        assert!(
            issues[0]
                .problem
                .contains("remediate_threshold (0.7) is above its advance_threshold (0.6)")
        );
    }

    #[test]
    fn inputs_that_are_no_content_problem_are_not_issues() {
        let c = fractions();
        let unknown = EngineError::UnknownLesson {
            lesson: 9,
            course: 1,
        };
        assert_eq!(describe(&c, &unknown), None);
        let strategy = EngineError::UnknownStrategy { name: "x".into() };
        assert_eq!(describe(&c, &strategy), None);
    }

    #[test]
    fn a_long_prompt_is_shortened_and_a_missing_one_left_out() {
        let mut c = fractions();
        c.lessons[0].prerequisites.clear();
        c.questions[0].answer_key = json!({"correct": "zz"});
        c.questions[0].prompt = format!("  Which   is {}?", "bigger ".repeat(20));
        let problem = &course_issues(&c)[0].problem;
        assert!(
            problem.starts_with("Question 'Which is bigger bigger"),
            "{problem}"
        );
        assert!(problem.contains("…': the answer key"), "{problem}");
        c.questions[0].prompt = " ".into();
        assert!(
            course_issues(&c)[0]
                .problem
                .starts_with("Question 31: the answer key names choice")
        );
    }

    #[test]
    fn a_student_reads_which_question_but_never_its_key() {
        let mut c = fractions();
        c.questions[0].answer_key = json!({"correct": "zz"});
        let error = crate::learning::validate_question(&c.questions[0]).expect_err("broken");
        let reason = student_reason(&c, &EngineError::Key(error));
        assert_eq!(
            reason,
            "This attempt could not be graded: the question \"What is 1/2 + 1/4?\" has a mistake in its answer key. Nothing you answered caused it, and the course's editors have been told; try the lesson again once they have fixed it."
        );
        assert!(!reason.contains("zz") && !reason.contains("answer_key"));
        c.skills[0].p_init = 0.0;
        let error = crate::learning::validate_skill(&c.skills[0]).expect_err("broken");
        assert!(student_reason(&c, &EngineError::Skill(error)).contains(
            "the skill \"Adding fractions\" that this lesson practises is set up wrongly"
        ));
        let foreign = EngineError::UnknownSkill {
            question: 77,
            skill: 9,
            course: 1,
        };
        assert!(
            student_reason(&c, &foreign)
                .contains("question 77 is linked to a skill of another course")
        );
    }

    fn stored(id: i64, issue: &ContentIssue, open: bool) -> StoredIssue {
        StoredIssue {
            id,
            key: issue.key.clone(),
            course: Some(issue.course),
            collection: issue.collection.to_owned(),
            item: issue.item.clone(),
            field: issue.field.map(str::to_owned),
            open,
            problem: issue.problem.clone(),
        }
    }

    fn two_issues() -> Vec<ContentIssue> {
        let mut c = fractions();
        c.questions[0].answer_key = json!({"correct": "zz"});
        let issues = course_issues(&c);
        assert_eq!(keys(&issues), vec!["cycle:1,2", "questions:31:answer_key"]);
        issues
    }

    #[test]
    fn new_problems_are_opened_once() {
        let found = two_issues();
        let changes = reconcile_issues(1, &found, &[]);
        assert_eq!(
            changes,
            vec![
                IssueChange::Open(found[0].clone()),
                IssueChange::Open(found[1].clone())
            ]
        );
        let twice: Vec<ContentIssue> = found.iter().chain(&found).cloned().collect();
        assert_eq!(reconcile_issues(1, &twice, &[]).len(), 2, "one row per key");
    }

    #[test]
    fn recorded_problems_are_left_alone() {
        let found = two_issues();
        let rows = vec![stored(7, &found[0], true), stored(8, &found[1], true)];
        assert_eq!(reconcile_issues(1, &found, &rows), vec![]);
    }

    #[test]
    fn a_resolved_problem_that_is_back_is_reopened() {
        let found = two_issues();
        let rows = vec![stored(7, &found[0], false), stored(8, &found[1], true)];
        assert_eq!(
            reconcile_issues(1, &found, &rows),
            vec![IssueChange::Reopen {
                id: 7,
                issue: found[0].clone()
            }]
        );
    }

    #[test]
    fn a_problem_that_is_gone_is_resolved_and_a_resolved_one_stays_resolved() {
        let found = two_issues();
        let rows = vec![stored(7, &found[0], true), stored(8, &found[1], false)];
        assert_eq!(
            reconcile_issues(1, &[], &rows),
            vec![IssueChange::Resolve {
                id: 7,
                key: "cycle:1,2".into()
            }]
        );
    }

    #[test]
    fn another_courses_issues_are_not_resolved_here() {
        let found = two_issues();
        let mut elsewhere = stored(9, &found[1], true);
        elsewhere.course = Some(2);
        let mut no_course = stored(10, &found[0], true);
        no_course.course = None;
        assert_eq!(reconcile_issues(1, &[], &[elsewhere, no_course]), vec![]);
    }

    #[test]
    fn new_words_or_a_new_course_update_an_open_row() {
        let found = two_issues();
        let mut old_words = stored(7, &found[0], true);
        old_words.problem = "'Ordering' requires 'Comparing', which requires 'Ordering'.".into();
        let mut moved = stored(8, &found[1], true);
        moved.course = Some(2);
        assert_eq!(
            reconcile_issues(1, &found, &[old_words, moved]),
            vec![
                IssueChange::Reword {
                    id: 7,
                    issue: found[0].clone()
                },
                IssueChange::Reword {
                    id: 8,
                    issue: found[1].clone()
                }
            ]
        );
        let mut other_field = stored(8, &found[1], true);
        other_field.field = Some("choices".into());
        assert_eq!(reconcile_issues(1, &found[1..], &[other_field]).len(), 1);
    }

    #[test]
    fn reconciling_what_it_wrote_changes_nothing() {
        let found = two_issues();
        let mut rows = vec![stored(1, &found[0], false)];
        let mut next_id = 2;
        for change in reconcile_issues(1, &found, &rows) {
            match change {
                IssueChange::Open(issue) => {
                    rows.push(stored(next_id, &issue, true));
                    next_id += 1;
                }
                IssueChange::Reopen { id, issue } | IssueChange::Reword { id, issue } => {
                    let row = rows.iter_mut().find(|r| r.id == id).expect("row");
                    *row = stored(id, &issue, true);
                }
                IssueChange::Resolve { id, .. } => {
                    rows.iter_mut().find(|r| r.id == id).expect("row").open = false;
                }
            }
        }
        assert_eq!(rows.iter().filter(|r| r.open).count(), 2);
        assert_eq!(reconcile_issues(1, &found, &rows), vec![]);
    }
}
