//! Roles, policies and permissions, declared once; `pathwise provision` converges a
//! Directus instance onto them.
//!
//! Directus 11 attaches permissions to policies and policies to roles (through
//! `directus_access`). Each Pathwise role has exactly one policy of the same purpose.
//! Item filters and presets use Directus' dynamic variables (`$CURRENT_USER`): these are the
//! "custom permission rules" Directus 12 refuses without a licence key.

use serde_json::{Value, json};

use crate::collections::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Create,
    Read,
    Update,
    Delete,
}

impl Action {
    pub const ALL: [Action; 4] = [Action::Create, Action::Read, Action::Update, Action::Delete];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Read => "read",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// One row of `directus_permissions`, without its policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionSpec {
    pub collection: &'static str,
    pub action: Action,
    /// `["*"]` for every field.
    pub fields: Vec<&'static str>,
    /// Item filter: which rows the action may touch.
    pub permissions: Option<Value>,
    /// Filter the submitted data must pass.
    pub validation: Option<Value>,
    /// Values forced onto created or updated items.
    pub presets: Option<Value>,
}

impl PermissionSpec {
    fn new(collection: &'static str, action: Action) -> Self {
        Self {
            collection,
            action,
            fields: vec!["*"],
            permissions: None,
            validation: None,
            presets: None,
        }
    }
    fn fields(mut self, fields: &[&'static str]) -> Self {
        self.fields = fields.to_vec();
        self
    }
    fn filter(mut self, filter: Value) -> Self {
        self.permissions = Some(filter);
        self
    }
    fn validation(mut self, validation: Value) -> Self {
        self.validation = Some(validation);
        self
    }
    fn presets(mut self, presets: Value) -> Self {
        self.presets = Some(presets);
        self
    }

    /// The body Directus takes for this permission under `policy`.
    pub fn to_directus(&self, policy: &str) -> Value {
        json!({
            "policy": policy,
            "collection": self.collection,
            "action": self.action.as_str(),
            "fields": self.fields,
            "permissions": self.permissions,
            "validation": self.validation,
            "presets": self.presets,
        })
    }
}

#[derive(Debug, Clone)]
pub struct PolicySpec {
    pub name: &'static str,
    pub icon: &'static str,
    pub description: &'static str,
    pub app_access: bool,
    pub permissions: Vec<PermissionSpec>,
}

#[derive(Debug, Clone)]
pub struct RoleSpec {
    pub name: &'static str,
    pub icon: &'static str,
    pub description: &'static str,
    /// The `name` of the role's one policy.
    pub policy: &'static str,
}

pub const CONTENT_EDITOR: &str = "Content Editor";
pub const STUDENT: &str = "Student";
pub const TEACHER: &str = "Teacher";
pub const WORKER: &str = "Pathwise Worker";

/// The email of the worker's service user; it logs in only with its static token.
pub const WORKER_EMAIL: &str = "pathwise-worker@example.com";

pub fn roles() -> Vec<RoleSpec> {
    vec![
        RoleSpec {
            name: CONTENT_EDITOR,
            icon: "edit_note",
            description: "Authors subjects, courses, lessons, skills and questions; puts students and teachers into cohorts; reads learner records.",
            policy: CONTENT_EDITOR,
        },
        RoleSpec {
            name: STUDENT,
            icon: "school",
            description: "Reads published content and their own records; submits attempts as themselves.",
            policy: STUDENT,
        },
        RoleSpec {
            name: TEACHER,
            icon: "co_present",
            description: "Reads content, and the learner records of the students of their own cohorts, to follow their progress.",
            policy: TEACHER,
        },
        RoleSpec {
            name: WORKER,
            icon: "smart_toy",
            description: "The Pathwise worker's service account: grades attempts and writes mastery, paths and recommendations.",
            policy: WORKER,
        },
    ]
}

pub fn policies() -> Vec<PolicySpec> {
    vec![content_editor(), student(), teacher(), worker()]
}

fn own() -> Value {
    json!({ "student": { "_eq": "$CURRENT_USER" } })
}

fn published() -> Value {
    json!({ "status": { "_eq": "published" } })
}

/// Fields of `questions` a student may read: never the answer key or the explanation
/// (they reach the student in the graded attempt's results, after answering).
pub const STUDENT_QUESTION_FIELDS: [&str; 9] = [
    "id", "status", "lesson", "sort", "type", "prompt", "choices", "points", "skills",
];

/// Fields of an attempt a student may set; `student` and `status` are forced by presets.
pub const STUDENT_ATTEMPT_FIELDS: [&str; 4] = ["lesson", "answers", "started_at", "submitted_at"];

/// What staff see of a user in the admin UI: who someone is, never their credentials.
const USER_DIRECTORY_FIELDS: [&str; 6] =
    ["id", "first_name", "last_name", "email", "role", "avatar"];

/// A cohort junction row (`cohorts_teachers` or `cohorts_students`) of a cohort the current
/// user teaches.
fn of_my_cohort() -> Value {
    json!({ "cohort": { "teachers": { "teacher": { "_eq": "$CURRENT_USER" } } } })
}

/// A learner record (any collection with `student`) of a student in a cohort the current
/// user teaches: from the record's student, through their cohorts (the `student_cohorts`
/// alias on directus_users), to each cohort's teachers.
///
/// Directus ORs the permissions of a user's policies, and an o2m/m2m step in a filter
/// means "some": a student in two cohorts is visible to the teachers of either.
pub fn of_my_students() -> Value {
    json!({ "student": { USER_STUDENT_COHORTS: of_my_cohort() } })
}

/// Editors read every user (they put students and teachers into cohorts); teachers read
/// only the users of their cohorts (their students and fellow teachers; their own row
/// comes with app access).
fn user_directory(filter: Option<Value>, extra_fields: &[&'static str]) -> [PermissionSpec; 2] {
    let mut fields = USER_DIRECTORY_FIELDS.to_vec();
    fields.extend_from_slice(extra_fields);
    let mut users = PermissionSpec::new("directus_users", Action::Read);
    users.fields = fields;
    users.permissions = filter;
    [
        users,
        PermissionSpec::new("directus_roles", Action::Read).fields(&["id", "name", "icon"]),
    ]
}

/// The Insights dashboard (directus-schema/src/dashboards.rs): the app shows the module to
/// whoever reads `directus_dashboards`, and each panel queries with the viewer's own
/// permissions, so a teacher's panels count their cohorts only.
fn insights_reader() -> [PermissionSpec; 2] {
    [
        PermissionSpec::new("directus_dashboards", Action::Read),
        PermissionSpec::new("directus_panels", Action::Read),
    ]
}

fn content_editor() -> PolicySpec {
    let mut permissions = Vec::new();
    for collection in CONTENT.into_iter().chain(TEACHING) {
        for action in Action::ALL {
            permissions.push(PermissionSpec::new(collection, action));
        }
    }
    for collection in LEARNER_RECORDS
        .into_iter()
        .chain([DEAD_LETTERS, CONTENT_ISSUES])
        .chain(ANALYTICS)
    {
        permissions.push(PermissionSpec::new(collection, Action::Read));
    }
    // The worker says what is broken; an editor fixes the item and marks the issue resolved
    // (or open again), nothing else.
    permissions.push(
        PermissionSpec::new(CONTENT_ISSUES, Action::Update)
            .fields(&["status"])
            .validation(json!({ "status": { "_in": ["open", "resolved"] } })),
    );
    permissions.extend(user_directory(
        None,
        &[USER_STUDENT_COHORTS, USER_TEACHER_COHORTS],
    ));
    for action in Action::ALL {
        permissions.push(PermissionSpec::new("directus_files", action));
    }
    permissions.push(PermissionSpec::new("directus_folders", Action::Read));
    permissions.extend(insights_reader());
    PolicySpec {
        name: CONTENT_EDITOR,
        icon: "edit_note",
        description: "Full access to content and cohorts; read access to learner records, content issues and the Insights dashboard.",
        app_access: true,
        permissions,
    }
}

fn student() -> PolicySpec {
    use Action::*;
    let course_published = json!({ "course": { "status": { "_eq": "published" } } });
    let lesson_visible = json!({ "_and": [
        published(),
        { "module": { "course": { "status": { "_eq": "published" } } } },
    ]});
    let via_lesson = json!({ "lesson": { "status": { "_eq": "published" } } });
    let permissions = vec![
        PermissionSpec::new(SUBJECTS, Read),
        PermissionSpec::new(COURSES, Read).filter(published()),
        PermissionSpec::new(MODULES, Read).filter(course_published.clone()),
        PermissionSpec::new(LESSONS, Read).filter(lesson_visible),
        PermissionSpec::new(SKILLS, Read).filter(course_published),
        PermissionSpec::new(LESSON_SKILLS, Read).filter(via_lesson.clone()),
        PermissionSpec::new(LESSON_PREREQUISITES, Read).filter(via_lesson.clone()),
        PermissionSpec::new(QUESTIONS, Read)
            .fields(&STUDENT_QUESTION_FIELDS)
            .filter(json!({ "_and": [published(), via_lesson] })),
        PermissionSpec::new(QUESTION_SKILLS, Read)
            .filter(json!({ "question": { "status": { "_eq": "published" } } })),
        PermissionSpec::new(ATTEMPTS, Create)
            .fields(&STUDENT_ATTEMPT_FIELDS)
            .presets(json!({ "student": "$CURRENT_USER", "status": "submitted" })),
        PermissionSpec::new(ATTEMPTS, Read).filter(own()),
        PermissionSpec::new(STUDENT_PROFILES, Read).filter(own()),
        // Their time zone, and which messages they want (docs/engagement.md).
        PermissionSpec::new(STUDENT_PROFILES, Update)
            .fields(&["time_zone", "nudges", "digests", "in_app_messages"])
            .filter(own()),
        PermissionSpec::new(MESSAGES, Read).filter(own()),
        PermissionSpec::new(BADGES, Read).filter(own()),
        // Their Directus notifications (where nudges, digests and badge news arrive): read,
        // and archive by setting the status.
        PermissionSpec::new("directus_notifications", Read)
            .filter(json!({ "recipient": { "_eq": "$CURRENT_USER" } })),
        PermissionSpec::new("directus_notifications", Update)
            .fields(&["status"])
            .filter(json!({ "recipient": { "_eq": "$CURRENT_USER" } })),
        PermissionSpec::new(MASTERY, Read).filter(own()),
        PermissionSpec::new(LEARNING_PATHS, Read).filter(own()),
        PermissionSpec::new(RECOMMENDATIONS, Read).filter(own()),
        // A student may mark their own recommendation done or dismiss it, nothing else.
        PermissionSpec::new(RECOMMENDATIONS, Update)
            .fields(&["status"])
            .filter(own())
            .validation(json!({ "status": { "_in": ["completed", "dismissed"] } })),
        PermissionSpec::new("directus_users", Read)
            .fields(&[
                "id",
                "first_name",
                "last_name",
                "email",
                "avatar",
                "language",
                "email_notifications",
            ])
            .filter(json!({ "id": { "_eq": "$CURRENT_USER" } })),
        // Email on or off: Directus' own setting, which its notifications follow.
        PermissionSpec::new("directus_users", Update)
            .fields(&["email_notifications"])
            .filter(json!({ "id": { "_eq": "$CURRENT_USER" } })),
    ];
    PolicySpec {
        name: STUDENT,
        icon: "school",
        description: "Published content without answer keys; only their own learner records.",
        app_access: false,
        permissions,
    }
}

fn teacher() -> PolicySpec {
    let mut permissions: Vec<PermissionSpec> = CONTENT
        .into_iter()
        .chain([CONTENT_ISSUES])
        .map(|collection| PermissionSpec::new(collection, Action::Read))
        .collect();
    for collection in LEARNER_RECORDS {
        permissions.push(PermissionSpec::new(collection, Action::Read).filter(of_my_students()));
    }
    permissions.extend([
        PermissionSpec::new(COHORTS, Action::Read)
            .filter(json!({ "teachers": { "teacher": { "_eq": "$CURRENT_USER" } } })),
        PermissionSpec::new(COHORTS_TEACHERS, Action::Read).filter(of_my_cohort()),
        PermissionSpec::new(COHORTS_STUDENTS, Action::Read).filter(of_my_cohort()),
    ]);
    permissions.extend(user_directory(
        Some(json!({ "_or": [
            { USER_STUDENT_COHORTS: of_my_cohort() },
            { USER_TEACHER_COHORTS: of_my_cohort() },
        ]})),
        &[],
    ));
    permissions.push(PermissionSpec::new("directus_files", Action::Read));
    permissions.extend(insights_reader());
    PolicySpec {
        name: TEACHER,
        icon: "co_present",
        description: "Reads content, content issues and the Insights dashboard; reads the learner records and names of the students of their own cohorts only.",
        app_access: true,
        permissions,
    }
}

fn worker() -> PolicySpec {
    use Action::*;
    let mut permissions: Vec<PermissionSpec> = CONTENT
        .into_iter()
        .map(|collection| PermissionSpec::new(collection, Read))
        .collect();
    permissions.extend([
        PermissionSpec::new(ATTEMPTS, Read),
        // Grading writes the outcome; the student's answers and identity stay as submitted.
        PermissionSpec::new(ATTEMPTS, Update).fields(&[
            "status",
            "rejection_reason",
            "score",
            "points_earned",
            "points_possible",
            "results",
            "correct_questions",
            "duration_seconds",
            "speed_flag",
            "graded_at",
        ]),
        PermissionSpec::new(DEAD_LETTERS, Create),
        PermissionSpec::new(DEAD_LETTERS, Read),
        // One issue per content problem: found by its key, created once, reopened or
        // updated when the problem comes back.
        PermissionSpec::new(CONTENT_ISSUES, Create),
        PermissionSpec::new(CONTENT_ISSUES, Read),
        PermissionSpec::new(CONTENT_ISSUES, Update),
        // Who a message goes to: a name to greet, and whether Directus will email them.
        PermissionSpec::new("directus_users", Read).fields(&[
            "id",
            "role",
            "status",
            "first_name",
            "email_notifications",
        ]),
        // The scheduled jobs: each run claimed once by its key, then closed with a summary.
        PermissionSpec::new(JOB_RUNS, Create),
        PermissionSpec::new(JOB_RUNS, Read),
        PermissionSpec::new(JOB_RUNS, Update).fields(&["status", "summary"]),
        // The nightly analysis reads the cohorts (to tell their teachers when one struggles)
        // and writes one row per course (or experiment) and day, once.
        PermissionSpec::new(COHORTS, Read),
        PermissionSpec::new(COHORTS_TEACHERS, Read),
        PermissionSpec::new(COHORTS_STUDENTS, Read),
        PermissionSpec::new(COURSE_INSIGHTS, Create),
        PermissionSpec::new(COURSE_INSIGHTS, Read),
        PermissionSpec::new(EXPERIMENT_REPORTS, Create),
        PermissionSpec::new(EXPERIMENT_REPORTS, Read),
        // The sweep's claims are many (one per interval) and worthless once past: the
        // worker deletes its old ones, and only those.
        PermissionSpec::new(JOB_RUNS, Delete).filter(json!({ "job": { "_eq": "sweep" } })),
        // Messages and badges, each recorded once by its key, then delivered as a Directus
        // notification (which Directus emails to users who want email).
        PermissionSpec::new(MESSAGES, Create),
        PermissionSpec::new(MESSAGES, Read),
        PermissionSpec::new(BADGES, Create),
        PermissionSpec::new(BADGES, Read),
        PermissionSpec::new("directus_notifications", Create),
        // To tell a new student from another new user.
        PermissionSpec::new("directus_roles", Read).fields(&["id", "name"]),
    ]);
    for collection in [STUDENT_PROFILES, MASTERY, LEARNING_PATHS, RECOMMENDATIONS] {
        for action in [Create, Read, Update] {
            permissions.push(PermissionSpec::new(collection, action));
        }
    }
    PolicySpec {
        name: WORKER,
        icon: "smart_toy",
        description: "Exactly what the Pathwise worker needs: read content and attempts, grade attempts, write learner records, dead letters and content issues, run scheduled jobs and send students' messages.",
        app_access: false,
        permissions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_names_a_declared_policy() {
        let policies: Vec<_> = policies().into_iter().map(|p| p.name).collect();
        for role in roles() {
            assert!(
                policies.contains(&role.policy),
                "{} -> {}",
                role.name,
                role.policy
            );
        }
    }

    #[test]
    fn no_policy_declares_the_same_permission_twice() {
        for policy in policies() {
            let mut seen = std::collections::HashSet::new();
            for p in &policy.permissions {
                assert!(
                    seen.insert((p.collection, p.action)),
                    "{}: {} {:?}",
                    policy.name,
                    p.collection,
                    p.action
                );
            }
        }
    }

    #[test]
    fn students_never_read_answer_keys_nor_set_who_an_attempt_belongs_to() {
        let student = student();
        let questions = student
            .permissions
            .iter()
            .find(|p| p.collection == QUESTIONS)
            .unwrap();
        assert!(!questions.fields.contains(&"answer_key") && !questions.fields.contains(&"*"));
        let create = student
            .permissions
            .iter()
            .find(|p| p.collection == ATTEMPTS && p.action == Action::Create)
            .unwrap();
        assert!(!create.fields.contains(&"student") && !create.fields.contains(&"*"));
        assert_eq!(create.presets.as_ref().unwrap()["student"], "$CURRENT_USER");
    }

    fn permission(policy: &PolicySpec, collection: &str, action: Action) -> Option<PermissionSpec> {
        policy
            .permissions
            .iter()
            .find(|p| p.collection == collection && p.action == action)
            .cloned()
    }

    #[test]
    fn teachers_read_learner_records_and_users_only_through_their_cohorts() {
        let teacher = teacher();
        for collection in LEARNER_RECORDS {
            let read = permission(&teacher, collection, Action::Read).unwrap();
            assert_eq!(read.permissions, Some(of_my_students()), "{collection}");
            for action in [Action::Create, Action::Update, Action::Delete] {
                assert!(
                    permission(&teacher, collection, action).is_none(),
                    "{collection}"
                );
            }
        }
        let users = permission(&teacher, "directus_users", Action::Read).unwrap();
        assert!(
            users.permissions.is_some(),
            "teachers must not read every user"
        );
        assert!(!users.fields.contains(&"*"));
        for collection in TEACHING {
            let read = permission(&teacher, collection, Action::Read).unwrap();
            assert!(read.permissions.is_some(), "{collection}");
        }
        assert!(permission(&teacher, DEAD_LETTERS, Action::Read).is_none());
    }

    #[test]
    fn the_cohort_filter_walks_from_the_student_to_the_current_teacher() {
        assert_eq!(
            of_my_students(),
            serde_json::json!({ "student": { "student_cohorts": { "cohort": {
                "teachers": { "teacher": { "_eq": "$CURRENT_USER" } } } } } })
        );
    }

    #[test]
    fn students_see_nothing_of_cohorts_content_issues_or_dashboards() {
        let student = student();
        for collection in
            TEACHING
                .into_iter()
                .chain([CONTENT_ISSUES, "directus_dashboards", "directus_panels"])
        {
            for action in Action::ALL {
                assert!(
                    permission(&student, collection, action).is_none(),
                    "{collection}"
                );
            }
        }
    }

    #[test]
    fn editors_change_only_the_status_of_a_content_issue() {
        let editor = content_editor();
        let update = permission(&editor, CONTENT_ISSUES, Action::Update).unwrap();
        assert_eq!(update.fields, vec!["status"]);
        assert!(permission(&editor, CONTENT_ISSUES, Action::Create).is_none());
        assert!(permission(&editor, CONTENT_ISSUES, Action::Delete).is_none());
        for collection in TEACHING {
            for action in Action::ALL {
                assert!(
                    permission(&editor, collection, action).is_some(),
                    "{collection}"
                );
            }
        }
    }
}
