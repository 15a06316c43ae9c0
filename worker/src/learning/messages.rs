//! Engagement messages, decided: inactivity nudges, review digests and badges.
//!
//! Pure: the scheduled job (and the grading, for badges) reads what it needs from
//! Directus, asks these functions, and delivers what they return. Each message carries a
//! `key` that names it for its period (`nudge:<student>:2026-W49`,
//! `digest:<student>:2026-12-05`, `badge:<student>:streak_7`): the record of sent messages
//! is keyed by it, so a tick delivered twice, or two workers running the same tick, send
//! nothing twice. Each decision that sends nothing says why ([`Suppressed`]), for the
//! metrics and for anyone asking why a student heard nothing.
//!
//! Time: "now" is the job's (it comes from the scheduled event, so tests can move it);
//! windows, days and weeks are the student's own, in their IANA time zone (UTC when none
//! is set), as [`super::engagement`] counts streaks.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::engagement::resolve_time_zone;

/// When in the student's day a nudge or digest may arrive: from `start` (inclusive) to
/// `end` (exclusive), local time. Open edX sends its goal reminders in the morning; so do we
/// by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("a time"),
            end: NaiveTime::from_hms_opt(12, 0, 0).expect("a time"),
        }
    }
}

impl Window {
    /// Whether `now` falls inside the window in `zone`.
    pub fn contains(&self, now: DateTime<Utc>, zone: Tz) -> bool {
        let local = now.with_timezone(&zone).time();
        if self.start <= self.end {
            self.start <= local && local < self.end
        } else {
            // A window across midnight (22:00-02:00).
            local >= self.start || local < self.end
        }
    }
}

/// Days without activity before a course nudges (its `nudge_after_days`, default 3).
pub const DEFAULT_INACTIVE_DAYS: u32 = 3;

/// What a student asked for. Everything is on unless they turned it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    pub nudges: bool,
    pub digests: bool,
    pub in_app: bool,
    pub email: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            nudges: true,
            digests: true,
            in_app: true,
            email: true,
        }
    }
}

/// One of the student's learning paths, as a nudge needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathSituation {
    pub course: i64,
    pub course_title: String,
    /// The course's days without activity before a nudge.
    pub inactive_days: u32,
    /// The lesson to do next, when there is one.
    pub current_lesson: Option<String>,
    /// Share of the path's steps done, 0..1.
    pub progress: f64,
}

impl PathSituation {
    fn finished(&self) -> bool {
        self.progress >= 1.0 - 1e-9
    }
}

/// A review that is due (FSRS), by the skill it reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueReview {
    pub skill: String,
    pub due_at: DateTime<Utc>,
}

/// Everything the nudge and digest decisions read about one student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentSituation {
    pub student: String,
    pub first_name: Option<String>,
    pub time_zone: Option<String>,
    /// The last graded attempt; `None` for a student who never submitted one.
    pub last_active_at: Option<DateTime<Utc>>,
    /// When the student joined (their profile was made): inactivity counts from there
    /// for a student who never submitted anything.
    pub joined_at: Option<DateTime<Utc>>,
    pub paths: Vec<PathSituation>,
    pub due_reviews: Vec<DueReview>,
    /// When the last nudge was sent to them.
    pub last_nudge_at: Option<DateTime<Utc>>,
    pub preferences: Preferences,
}

/// Why nothing was sent. The names are the `reason` label of the suppression metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Suppressed {
    /// The student turned this kind of message off.
    OptedOut,
    /// Both delivery channels are off.
    NoChannel,
    /// No learning path to come back to.
    NoActivePath,
    /// Every path is finished.
    CourseFinished,
    /// Active less than the course's days ago.
    RecentlyActive,
    /// Not now in their local window.
    OutsideWindow,
    /// Already nudged in this local week.
    NudgedThisWeek,
    /// No review is due.
    NothingDue,
}

impl Suppressed {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OptedOut => "opted_out",
            Self::NoChannel => "no_channel",
            Self::NoActivePath => "no_active_path",
            Self::CourseFinished => "course_finished",
            Self::RecentlyActive => "recently_active",
            Self::OutsideWindow => "outside_window",
            Self::NudgedThisWeek => "nudged_this_week",
            Self::NothingDue => "nothing_due",
        }
    }
}

/// The kind of a message (the `kind` label of the metrics, the `kind` of its record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Nudge,
    Digest,
    Badge,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nudge => "nudge",
            Self::Digest => "digest",
            Self::Badge => "badge",
        }
    }
}

/// A message to deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Names the message for its period: the record of sent messages is unique by it.
    pub key: String,
    pub kind: MessageKind,
    pub student: String,
    pub subject: String,
    /// Markdown, as Directus notifications hold it.
    pub body: String,
    /// Why it was sent, for the record a teacher reads.
    pub reason: String,
    pub in_app: bool,
    pub email: bool,
}

/// `Hi Ada` followed by `end` (`!` before a sentence, `,` before a clause).
fn greeting(student: &StudentSituation, end: char) -> String {
    match student.first_name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => format!("Hi {name}{end}"),
        _ => format!("Hi{end}"),
    }
}

/// `2026-W49`: the ISO week of `day`.
fn iso_week(day: NaiveDate) -> String {
    let week = day.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

fn plural(count: i64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The inactivity nudge for `student` at `now`, or why there is none.
///
/// Sent when all hold: nudges are on and a channel is; they have a path not finished;
/// they have been inactive at least that course's days; it is inside `window` in their
/// time zone; and they had no nudge in this local ISO week. The text names what to do
/// next: the current lesson of the path they are furthest along, and any due reviews.
pub fn decide_nudge(
    student: &StudentSituation,
    now: DateTime<Utc>,
    window: Window,
) -> Result<Message, Suppressed> {
    let prefs = student.preferences;
    if !prefs.nudges {
        return Err(Suppressed::OptedOut);
    }
    if !prefs.in_app && !prefs.email {
        return Err(Suppressed::NoChannel);
    }
    if student.paths.is_empty() {
        return Err(Suppressed::NoActivePath);
    }
    let mut open: Vec<&PathSituation> = student.paths.iter().filter(|p| !p.finished()).collect();
    if open.is_empty() {
        return Err(Suppressed::CourseFinished);
    }
    let since = student.last_active_at.or(student.joined_at);
    let inactive_for = |path: &PathSituation| match since {
        Some(since) => now - since >= Duration::days(i64::from(path.inactive_days.max(1))),
        None => true,
    };
    open.retain(|path| inactive_for(path));
    // Furthest along first: the course they are most likely to come back to.
    open.sort_by(|a, b| {
        b.progress
            .total_cmp(&a.progress)
            .then(a.course.cmp(&b.course))
    });
    let Some(path) = open.first() else {
        return Err(Suppressed::RecentlyActive);
    };
    let zone = resolve_time_zone(student.time_zone.as_deref());
    if !window.contains(now, zone) {
        return Err(Suppressed::OutsideWindow);
    }
    let week = iso_week(now.with_timezone(&zone).date_naive());
    if let Some(last) = student.last_nudge_at
        && iso_week(last.with_timezone(&zone).date_naive()) == week
    {
        return Err(Suppressed::NudgedThisWeek);
    }

    let days = since.map(|since| (now - since).num_days());
    let away = match (student.last_active_at, days) {
        (Some(_), Some(days)) => format!(
            "It has been {} since you last practised.",
            plural(days, "day", "days")
        ),
        (None, Some(days)) => format!(
            "You joined {} ago and have not started yet.",
            plural(days, "day", "days")
        ),
        (_, None) => "You have not started yet.".to_owned(),
    };
    let next = match &path.current_lesson {
        Some(lesson) => format!("Your next lesson in {} is \"{lesson}\".", path.course_title),
        None => format!("Pick up {} where you left it.", path.course_title),
    };
    let reviews = match student.due_reviews.len() {
        0 => String::new(),
        n => format!(
            " You also have {} due: {}.",
            plural(n as i64, "review", "reviews"),
            review_list(&student.due_reviews)
        ),
    };
    Ok(Message {
        key: format!("nudge:{}:{week}", student.student),
        kind: MessageKind::Nudge,
        student: student.student.clone(),
        subject: match &path.current_lesson {
            Some(lesson) => format!("Ready for \"{lesson}\"?"),
            None => format!("Come back to {}", path.course_title),
        },
        body: format!(
            "{} {away} {next}{reviews} A few minutes today keeps what you learnt fresh.",
            greeting(student, '!')
        ),
        reason: format!(
            "inactive {} (course '{}' nudges after {}), inside their {}-{} window",
            days.map_or_else(|| "since joining".to_owned(), |d| plural(d, "day", "days")),
            path.course_title,
            plural(i64::from(path.inactive_days), "day", "days"),
            window.start.format("%H:%M"),
            window.end.format("%H:%M"),
        ),
        in_app: prefs.in_app,
        email: prefs.email,
    })
}

fn review_list(reviews: &[DueReview]) -> String {
    let mut skills: Vec<&str> = reviews.iter().map(|r| r.skill.as_str()).collect();
    skills.dedup();
    skills.join(", ")
}

/// The daily review digest: one message listing every review due at `now`, once per
/// local day, inside `window`; or why there is none.
pub fn decide_digest(
    student: &StudentSituation,
    now: DateTime<Utc>,
    window: Window,
) -> Result<Message, Suppressed> {
    let prefs = student.preferences;
    if !prefs.digests {
        return Err(Suppressed::OptedOut);
    }
    if !prefs.in_app && !prefs.email {
        return Err(Suppressed::NoChannel);
    }
    let mut due: Vec<&DueReview> = student
        .due_reviews
        .iter()
        .filter(|review| review.due_at <= now)
        .collect();
    if due.is_empty() {
        return Err(Suppressed::NothingDue);
    }
    let zone = resolve_time_zone(student.time_zone.as_deref());
    if !window.contains(now, zone) {
        return Err(Suppressed::OutsideWindow);
    }
    due.sort_by(|a, b| a.due_at.cmp(&b.due_at).then(a.skill.cmp(&b.skill)));
    let day = now.with_timezone(&zone).date_naive();
    let lines: Vec<String> = due
        .iter()
        .map(|review| format!("- {}", review.skill))
        .collect();
    Ok(Message {
        key: format!("digest:{}:{day}", student.student),
        kind: MessageKind::Digest,
        student: student.student.clone(),
        subject: format!(
            "{} to review today",
            plural(due.len() as i64, "skill", "skills")
        ),
        body: format!(
            "{} these are due for review today, so that you keep them:\n\n{}\n\nEach review is a few practice questions.",
            greeting(student, ','),
            lines.join("\n")
        ),
        reason: format!(
            "{} due on {day}",
            plural(due.len() as i64, "review", "reviews")
        ),
        in_app: prefs.in_app,
        email: prefs.email,
    })
}

/// A badge, by what earns it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Badge {
    /// The first lesson done, in any course.
    FirstLesson,
    /// A daily streak of seven days.
    WeekStreak,
    /// A skill mastered.
    SkillMastered { skill: i64, name: String },
    /// Every step of a course's path done.
    CourseCompleted { course: i64, title: String },
}

/// Days of streak for [`Badge::WeekStreak`].
pub const STREAK_DAYS: u32 = 7;

impl Badge {
    /// Unique per student: a badge is awarded once.
    pub fn key(&self) -> String {
        match self {
            Self::FirstLesson => "first_lesson".to_owned(),
            Self::WeekStreak => "streak_7".to_owned(),
            Self::SkillMastered { skill, .. } => format!("skill_mastered:{skill}"),
            Self::CourseCompleted { course, .. } => format!("course_completed:{course}"),
        }
    }

    pub fn title(&self) -> String {
        match self {
            Self::FirstLesson => "First lesson done".to_owned(),
            Self::WeekStreak => format!("{STREAK_DAYS}-day streak"),
            Self::SkillMastered { name, .. } => format!("Mastered: {name}"),
            Self::CourseCompleted { title, .. } => format!("Completed: {title}"),
        }
    }

    pub fn description(&self) -> String {
        match self {
            Self::FirstLesson => "You finished your first lesson.".to_owned(),
            Self::WeekStreak => {
                format!("You practised {STREAK_DAYS} days in a row.")
            }
            Self::SkillMastered { name, .. } => format!("You mastered {name}."),
            Self::CourseCompleted { title, .. } => format!("You finished every lesson of {title}."),
        }
    }
}

/// What badges read about a student: their paths' done counts, mastered skills, streak.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Achievements {
    /// Per course: (course id, title, steps done, steps in all).
    pub paths: Vec<(i64, String, usize, usize)>,
    /// Skills mastered: (skill id, name).
    pub mastered: Vec<(i64, String)>,
    pub longest_streak: u32,
}

/// Every badge `achievements` qualify for, each once, in a stable order. The caller
/// awards those whose key it has not stored yet, so awarding is idempotent however often
/// it runs.
pub fn qualifying_badges(achievements: &Achievements) -> Vec<Badge> {
    let mut badges = Vec::new();
    if achievements.paths.iter().any(|(_, _, done, _)| *done > 0) {
        badges.push(Badge::FirstLesson);
    }
    if achievements.longest_streak >= STREAK_DAYS {
        badges.push(Badge::WeekStreak);
    }
    let mut mastered = achievements.mastered.clone();
    mastered.sort_by_key(|(id, _)| *id);
    mastered.dedup_by_key(|(id, _)| *id);
    badges.extend(
        mastered
            .into_iter()
            .map(|(skill, name)| Badge::SkillMastered { skill, name }),
    );
    let mut completed: Vec<_> = achievements
        .paths
        .iter()
        .filter(|(_, _, done, all)| *all > 0 && done >= all)
        .map(|(course, title, _, _)| Badge::CourseCompleted {
            course: *course,
            title: title.clone(),
        })
        .collect();
    completed.sort_by_key(Badge::key);
    completed.dedup();
    badges.extend(completed);
    badges
}

/// The message telling `student` about a new badge (`badge:<student>:<badge key>`).
pub fn badge_message(student: &str, badge: &Badge, preferences: Preferences) -> Message {
    Message {
        key: format!("badge:{student}:{}", badge.key()),
        kind: MessageKind::Badge,
        student: student.to_owned(),
        subject: format!("New badge: {}", badge.title()),
        body: format!("{} Well done!", badge.description()),
        reason: format!("earned the badge {}", badge.key()),
        in_app: preferences.in_app,
        email: preferences.email,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a time")
            .with_timezone(&Utc)
    }

    fn path(progress: f64) -> PathSituation {
        PathSituation {
            course: 1,
            course_title: "Fractions".into(),
            inactive_days: DEFAULT_INACTIVE_DAYS,
            current_lesson: Some("Comparing fractions".into()),
            progress,
        }
    }

    /// Ada in Paris, last active Monday 30 November 2026 at 10:00 UTC.
    fn ada() -> StudentSituation {
        StudentSituation {
            student: "u-ada".into(),
            first_name: Some("Ada".into()),
            time_zone: Some("Europe/Paris".into()),
            last_active_at: Some(at("2026-11-30T10:00:00Z")),
            joined_at: Some(at("2026-11-01T10:00:00Z")),
            paths: vec![path(0.3)],
            due_reviews: Vec::new(),
            last_nudge_at: None,
            preferences: Preferences::default(),
        }
    }

    // Friday 4 December 2026, 09:30 in Paris (08:30 UTC): three days and a bit later.
    const FRIDAY_MORNING_PARIS: &str = "2026-12-04T08:30:00Z";

    #[test]
    fn an_inactive_student_is_nudged_in_their_morning_with_their_next_lesson() {
        let nudge =
            decide_nudge(&ada(), at(FRIDAY_MORNING_PARIS), Window::default()).expect("a nudge");
        assert_eq!(nudge.key, "nudge:u-ada:2026-W49");
        assert_eq!(nudge.kind, MessageKind::Nudge);
        assert_eq!(nudge.subject, "Ready for \"Comparing fractions\"?");
        assert_eq!(
            nudge.body,
            "Hi Ada! It has been 3 days since you last practised. Your next lesson in Fractions is \"Comparing fractions\". A few minutes today keeps what you learnt fresh."
        );
        assert!(
            nudge
                .reason
                .contains("course 'Fractions' nudges after 3 days"),
            "{}",
            nudge.reason
        );
        assert!(nudge.in_app && nudge.email);
    }

    #[test]
    fn the_window_is_the_students_own_in_every_time_zone() {
        // 08:30 UTC is 09:30 in Paris, 17:30 in Tokyo, 03:30 in New York, 08:30 in London
        // (no daylight saving in December), 22:30 the day before in Honolulu.
        let now = at(FRIDAY_MORNING_PARIS);
        let in_zone = |zone: Option<&str>| {
            let mut student = ada();
            student.time_zone = zone.map(str::to_owned);
            decide_nudge(&student, now, Window::default())
        };
        assert!(in_zone(Some("Europe/Paris")).is_ok());
        assert_eq!(in_zone(Some("Asia/Tokyo")), Err(Suppressed::OutsideWindow));
        assert_eq!(
            in_zone(Some("America/New_York")),
            Err(Suppressed::OutsideWindow)
        );
        assert_eq!(
            in_zone(Some("Europe/London")),
            Err(Suppressed::OutsideWindow)
        );
        assert_eq!(
            in_zone(Some("Pacific/Honolulu")),
            Err(Suppressed::OutsideWindow)
        );
        // No or an unknown zone: UTC, where 08:30 is before 09:00.
        assert_eq!(in_zone(None), Err(Suppressed::OutsideWindow));
        assert_eq!(in_zone(Some("Mars/Base")), Err(Suppressed::OutsideWindow));
        // Two hours later: 10:30 in London and UTC, 11:30 in Paris, still inside.
        let later = now + Duration::hours(2);
        for zone in [Some("Europe/London"), None, Some("Europe/Paris")] {
            let mut student = ada();
            student.time_zone = zone.map(str::to_owned);
            assert!(
                decide_nudge(&student, later, Window::default()).is_ok(),
                "{zone:?}"
            );
        }
        // 12:00 local is outside (the end is exclusive): 11:00 UTC in Paris.
        assert_eq!(
            decide_nudge(&ada(), at("2026-12-04T11:00:00Z"), Window::default()),
            Err(Suppressed::OutsideWindow)
        );
        assert!(decide_nudge(&ada(), at("2026-12-04T10:59:59Z"), Window::default()).is_ok());
    }

    #[test]
    fn a_window_across_midnight_and_daylight_saving_are_local() {
        let night = Window {
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
        };
        let paris = resolve_time_zone(Some("Europe/Paris"));
        assert!(night.contains(at("2026-12-04T22:30:00Z"), paris)); // 23:30
        assert!(night.contains(at("2026-12-05T00:30:00Z"), paris)); // 01:30
        assert!(!night.contains(at("2026-12-05T01:30:00Z"), paris)); // 02:30
        // Summer time in Paris: 09:30 local is 07:30 UTC.
        assert!(Window::default().contains(at("2026-07-03T07:30:00Z"), paris));
        assert!(!Window::default().contains(at("2026-12-04T07:30:00Z"), paris));
    }

    #[test]
    fn a_recently_active_student_is_not_nudged_and_each_course_sets_its_days() {
        let mut student = ada();
        student.last_active_at = Some(at("2026-12-02T08:00:00Z")); // 2 days and 30 minutes
        let now = at(FRIDAY_MORNING_PARIS);
        assert_eq!(
            decide_nudge(&student, now, Window::default()),
            Err(Suppressed::RecentlyActive)
        );
        student.paths[0].inactive_days = 2;
        assert!(decide_nudge(&student, now, Window::default()).is_ok());
        // A student who never submitted anything counts from joining.
        let mut new = ada();
        new.last_active_at = None;
        new.joined_at = Some(at("2026-12-03T09:00:00Z"));
        assert_eq!(
            decide_nudge(&new, now, Window::default()),
            Err(Suppressed::RecentlyActive)
        );
        new.joined_at = Some(at("2026-11-20T09:00:00Z"));
        let nudge = decide_nudge(&new, now, Window::default()).expect("a nudge");
        assert!(
            nudge
                .body
                .contains("You joined 13 days ago and have not started yet."),
            "{}",
            nudge.body
        );
        new.joined_at = None;
        let nudge = decide_nudge(&new, now, Window::default()).expect("a nudge");
        assert!(
            nudge.body.contains("You have not started yet."),
            "{}",
            nudge.body
        );
    }

    #[test]
    fn one_nudge_a_week_in_the_students_own_week() {
        let now = at(FRIDAY_MORNING_PARIS);
        let mut student = ada();
        student.last_nudge_at = Some(at("2026-11-30T09:00:00Z")); // Monday of the same week
        assert_eq!(
            decide_nudge(&student, now, Window::default()),
            Err(Suppressed::NudgedThisWeek)
        );
        student.last_nudge_at = Some(at("2026-11-29T09:00:00Z")); // the Sunday before
        assert!(decide_nudge(&student, now, Window::default()).is_ok());
        // Sunday 23:30 UTC is already Monday in Paris: a new week there.
        student.last_nudge_at = Some(at("2026-11-29T23:30:00Z"));
        assert_eq!(
            decide_nudge(&student, now, Window::default()),
            Err(Suppressed::NudgedThisWeek)
        );
        // The key is the week, so a second run the same week finds it taken too.
        let monday = at("2026-12-07T08:30:00Z");
        let next = decide_nudge(&ada(), monday, Window::default()).expect("a nudge");
        assert_eq!(next.key, "nudge:u-ada:2026-W50");
    }

    #[test]
    fn opted_out_finished_or_pathless_students_are_not_nudged() {
        let now = at(FRIDAY_MORNING_PARIS);
        let mut student = ada();
        student.preferences.nudges = false;
        assert_eq!(
            decide_nudge(&student, now, Window::default()),
            Err(Suppressed::OptedOut)
        );
        let mut student = ada();
        student.preferences.in_app = false;
        student.preferences.email = false;
        assert_eq!(
            decide_nudge(&student, now, Window::default()),
            Err(Suppressed::NoChannel)
        );
        student.preferences.email = true;
        let email_only = decide_nudge(&student, now, Window::default()).expect("a nudge");
        assert!(!email_only.in_app && email_only.email);
        let mut student = ada();
        student.paths = vec![path(1.0)];
        assert_eq!(
            decide_nudge(&student, now, Window::default()),
            Err(Suppressed::CourseFinished)
        );
        student.paths.clear();
        assert_eq!(
            decide_nudge(&student, now, Window::default()),
            Err(Suppressed::NoActivePath)
        );
    }

    #[test]
    fn the_nudge_names_the_course_furthest_along_and_the_due_reviews() {
        let mut student = ada();
        let mut decimals = path(0.6);
        decimals.course = 2;
        decimals.course_title = "Decimals".into();
        decimals.current_lesson = Some("Tenths".into());
        student.paths = vec![path(0.3), decimals, path(1.0)];
        student.due_reviews = vec![
            DueReview {
                skill: "Equivalent fractions".into(),
                due_at: at("2026-12-03T00:00:00Z"),
            },
            DueReview {
                skill: "Place value".into(),
                due_at: at("2026-12-04T00:00:00Z"),
            },
        ];
        let nudge =
            decide_nudge(&student, at(FRIDAY_MORNING_PARIS), Window::default()).expect("a nudge");
        assert_eq!(nudge.subject, "Ready for \"Tenths\"?");
        assert!(
            nudge.body.contains("Your next lesson in Decimals is \"Tenths\". You also have 2 reviews due: Equivalent fractions, Place value."),
            "{}",
            nudge.body
        );
        student.paths = vec![PathSituation {
            current_lesson: None,
            ..path(0.5)
        }];
        let nudge =
            decide_nudge(&student, at(FRIDAY_MORNING_PARIS), Window::default()).expect("a nudge");
        assert_eq!(nudge.subject, "Come back to Fractions");
        assert!(nudge.body.contains("Pick up Fractions where you left it."));
    }

    #[test]
    fn a_digest_lists_the_due_reviews_once_a_local_day() {
        let mut student = ada();
        // Active yesterday: digests do not wait for inactivity.
        student.last_active_at = Some(at("2026-12-03T18:00:00Z"));
        student.due_reviews = vec![
            DueReview {
                skill: "Place value".into(),
                due_at: at("2026-12-04T06:00:00Z"),
            },
            DueReview {
                skill: "Equivalent fractions".into(),
                due_at: at("2026-12-02T00:00:00Z"),
            },
            DueReview {
                skill: "Ordering".into(),
                due_at: at("2026-12-06T00:00:00Z"),
            },
        ];
        let now = at(FRIDAY_MORNING_PARIS);
        let digest = decide_digest(&student, now, Window::default()).expect("a digest");
        assert_eq!(digest.key, "digest:u-ada:2026-12-04");
        assert_eq!(digest.subject, "2 skills to review today");
        assert_eq!(
            digest.body,
            "Hi Ada, these are due for review today, so that you keep them:\n\n- Equivalent fractions\n- Place value\n\nEach review is a few practice questions."
        );
        // Nothing due yet (the third is due on Sunday), outside the window, opted out.
        student.due_reviews.truncate(0);
        assert_eq!(
            decide_digest(&student, now, Window::default()),
            Err(Suppressed::NothingDue)
        );
        let mut late = ada();
        late.due_reviews = vec![DueReview {
            skill: "X".into(),
            due_at: now,
        }];
        assert!(
            decide_digest(&late, now, Window::default()).is_ok(),
            "due exactly now"
        );
        assert_eq!(
            decide_digest(&late, now + Duration::hours(3), Window::default()),
            Err(Suppressed::OutsideWindow)
        );
        late.preferences.digests = false;
        assert_eq!(
            decide_digest(&late, now, Window::default()),
            Err(Suppressed::OptedOut)
        );
        // In Tokyo the same instant is already past noon: the digest waits for tomorrow,
        // and tomorrow's key is another day.
        let mut tokyo = ada();
        tokyo.time_zone = Some("Asia/Tokyo".into());
        tokyo.due_reviews = vec![DueReview {
            skill: "X".into(),
            due_at: now,
        }];
        assert_eq!(
            decide_digest(&tokyo, now, Window::default()),
            Err(Suppressed::OutsideWindow)
        );
        let tomorrow = Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).unwrap(); // 10:00 in Tokyo
        assert_eq!(
            decide_digest(&tokyo, tomorrow, Window::default())
                .expect("a digest")
                .key,
            "digest:u-ada:2026-12-05"
        );
    }

    #[test]
    fn badges_each_once_for_what_earned_them() {
        assert!(qualifying_badges(&Achievements::default()).is_empty());
        let achievements = Achievements {
            paths: vec![(1, "Fractions".into(), 9, 9), (2, "Decimals".into(), 0, 4)],
            mastered: vec![
                (5, "Ordering".into()),
                (4, "Comparing".into()),
                (5, "Ordering".into()),
            ],
            longest_streak: 7,
        };
        let keys: Vec<String> = qualifying_badges(&achievements)
            .iter()
            .map(Badge::key)
            .collect();
        assert_eq!(
            keys,
            vec![
                "first_lesson",
                "streak_7",
                "skill_mastered:4",
                "skill_mastered:5",
                "course_completed:1"
            ]
        );
        let started = Achievements {
            paths: vec![(1, "Fractions".into(), 1, 9), (2, "Empty".into(), 0, 0)],
            mastered: Vec::new(),
            longest_streak: 6,
        };
        assert_eq!(qualifying_badges(&started), vec![Badge::FirstLesson]);
        let message = badge_message("u-ada", &Badge::WeekStreak, Preferences::default());
        assert_eq!(message.key, "badge:u-ada:streak_7");
        assert_eq!(message.subject, "New badge: 7-day streak");
        assert_eq!(message.body, "You practised 7 days in a row. Well done!");
        let completed = Badge::CourseCompleted {
            course: 1,
            title: "Fractions".into(),
        };
        assert_eq!(completed.title(), "Completed: Fractions");
    }

    #[test]
    fn suppression_reasons_have_stable_metric_labels() {
        assert_eq!(Suppressed::NudgedThisWeek.as_str(), "nudged_this_week");
        assert_eq!(
            serde_json::to_value(Suppressed::NudgedThisWeek).unwrap(),
            serde_json::json!("nudged_this_week")
        );
        assert_eq!(MessageKind::Digest.as_str(), "digest");
    }
}
