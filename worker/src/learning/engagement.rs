//! Engagement: XP from points earned, a daily streak counted in the student's own time
//! zone, and the last time the student was active.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// XP per point earned (points may be fractional with partial credit; XP is rounded).
pub const XP_PER_POINT: f64 = 10.0;

/// A student's engagement counters (the matching `student_profiles` fields).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Engagement {
    #[serde(default)]
    pub xp: u64,
    /// Consecutive local days with at least one graded attempt, ending with the day of
    /// `last_active_at`.
    #[serde(default)]
    pub streak_days: u32,
    #[serde(default)]
    pub longest_streak: u32,
    #[serde(default)]
    pub last_active_at: Option<DateTime<Utc>>,
}

/// The XP for `points` earned: [`XP_PER_POINT`] per point, rounded; nothing for a
/// negative or non-finite number.
pub fn xp_for(points: f64) -> u64 {
    let xp = (points * XP_PER_POINT).round();
    if xp.is_finite() && xp > 0.0 {
        // Saturating float-to-int conversion: absurdly large values cap at u64::MAX.
        xp as u64
    } else {
        0
    }
}

/// The student's time zone: the IANA name if valid, UTC otherwise (none set, or a name
/// chrono-tz does not know).
pub fn resolve_time_zone(name: Option<&str>) -> Tz {
    name.and_then(|name| name.trim().parse::<Tz>().ok())
        .unwrap_or(Tz::UTC)
}

/// Engagement after a graded attempt active at `at` that earned `points_earned`.
///
/// The streak counts local calendar days in `time_zone`: a second attempt the same day
/// keeps it, the next day extends it, a missed day restarts it at 1. An attempt older
/// than the last activity (an event delivered late) adds its XP but leaves the streak
/// and the last active time alone.
pub fn update_engagement(
    previous: &Engagement,
    points_earned: f64,
    at: DateTime<Utc>,
    time_zone: Option<&str>,
) -> Engagement {
    let zone = resolve_time_zone(time_zone);
    let xp = previous.xp.saturating_add(xp_for(points_earned));
    let (streak_days, last_active_at) = match previous.last_active_at {
        Some(last) if at < last => (previous.streak_days, Some(last)),
        Some(last) => (
            next_streak(
                previous.streak_days,
                local_day(last, zone),
                local_day(at, zone),
            ),
            Some(at),
        ),
        None => (1, Some(at)),
    };
    Engagement {
        xp,
        streak_days,
        longest_streak: previous.longest_streak.max(streak_days),
        last_active_at,
    }
}

fn local_day(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

fn next_streak(streak: u32, last_day: NaiveDate, today: NaiveDate) -> u32 {
    if today == last_day {
        streak.max(1)
    } else if last_day.succ_opt() == Some(today) {
        streak.saturating_add(1)
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid time")
    }

    fn active(streak: u32, longest: u32, last: DateTime<Utc>) -> Engagement {
        Engagement {
            xp: 100,
            streak_days: streak,
            longest_streak: longest,
            last_active_at: Some(last),
        }
    }

    #[test]
    fn xp_from_points() {
        assert_eq!(xp_for(3.0), 30);
        assert_eq!(xp_for(2.0 / 3.0), 7);
        assert_eq!(xp_for(0.0), 0);
        assert_eq!(xp_for(-1.0), 0);
        assert_eq!(xp_for(f64::NAN), 0);
        let next = update_engagement(&Engagement::default(), 1.5, utc(2024, 3, 1, 10, 0), None);
        assert_eq!(next.xp, 15);
    }

    #[test]
    fn a_first_attempt_starts_a_streak() {
        let next = update_engagement(&Engagement::default(), 1.0, utc(2024, 3, 1, 10, 0), None);
        assert_eq!((next.streak_days, next.longest_streak), (1, 1));
        assert_eq!(next.last_active_at, Some(utc(2024, 3, 1, 10, 0)));
    }

    #[test]
    fn the_same_day_keeps_the_next_day_extends_a_gap_restarts() {
        let last = utc(2024, 3, 1, 10, 0);
        assert_eq!(
            update_engagement(&active(4, 6, last), 0.0, utc(2024, 3, 1, 23, 59), None).streak_days,
            4
        );
        let next = update_engagement(&active(4, 4, last), 0.0, utc(2024, 3, 2, 0, 1), None);
        assert_eq!((next.streak_days, next.longest_streak), (5, 5));
        let next = update_engagement(&active(4, 6, last), 0.0, utc(2024, 3, 3, 9, 0), None);
        assert_eq!((next.streak_days, next.longest_streak), (1, 6));
    }

    #[test]
    fn days_are_counted_in_the_students_time_zone() {
        // 23:30 and 00:30 UTC are the same evening in New York (UTC-5 in March before DST).
        let last = utc(2024, 3, 1, 23, 30);
        let next_utc_day = utc(2024, 3, 2, 0, 30);
        assert_eq!(
            update_engagement(
                &active(2, 2, last),
                0.0,
                next_utc_day,
                Some("America/New_York")
            )
            .streak_days,
            2
        );
        assert_eq!(
            update_engagement(&active(2, 2, last), 0.0, next_utc_day, None).streak_days,
            3
        );
        // In Tokyo (UTC+9) both are 2 March (08:30 and 09:30 local): the same day too.
        assert_eq!(
            update_engagement(&active(2, 2, last), 0.0, next_utc_day, Some("Asia/Tokyo"))
                .streak_days,
            2
        );
    }

    #[test]
    fn daylight_saving_changes_do_not_break_a_streak() {
        // Europe/Berlin springs forward on 31 March 2024.
        let last = utc(2024, 3, 30, 20, 0);
        let next = update_engagement(
            &active(3, 3, last),
            0.0,
            utc(2024, 3, 31, 20, 0),
            Some("Europe/Berlin"),
        );
        assert_eq!(next.streak_days, 4);
    }

    #[test]
    fn an_unknown_time_zone_falls_back_to_utc() {
        assert_eq!(resolve_time_zone(Some("Mars/Olympus_Mons")), Tz::UTC);
        assert_eq!(resolve_time_zone(None), Tz::UTC);
        assert_eq!(resolve_time_zone(Some(" Europe/Paris ")), Tz::Europe__Paris);
        let last = utc(2024, 3, 1, 23, 30);
        let next = update_engagement(
            &active(2, 2, last),
            0.0,
            utc(2024, 3, 2, 0, 30),
            Some("Not/AZone"),
        );
        assert_eq!(next.streak_days, 3, "UTC days");
    }

    #[test]
    fn a_late_event_adds_xp_but_keeps_the_streak() {
        let last = utc(2024, 3, 5, 10, 0);
        let next = update_engagement(&active(3, 3, last), 2.0, utc(2024, 3, 1, 10, 0), None);
        assert_eq!(
            (next.xp, next.streak_days, next.last_active_at),
            (120, 3, Some(last))
        );
    }

    #[test]
    fn a_zero_streak_on_record_counts_today() {
        let last = utc(2024, 3, 1, 10, 0);
        assert_eq!(
            update_engagement(&active(0, 0, last), 0.0, utc(2024, 3, 1, 11, 0), None).streak_days,
            1
        );
    }
}
