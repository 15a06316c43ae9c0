//! A course's score and mastery thresholds, checked.
//!
//! The engine compares scores with `advance_threshold` and `remediate_threshold`, and
//! P(known) with `mastery_threshold` (see [`Course`]). A threshold outside 0..1 can never
//! (or always) be reached, and a remediation threshold above the advance threshold makes
//! the two bands overlap: a score could both move a student on and send them back.

use super::content::Course;

/// A threshold that cannot work.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdError {
    /// `threshold` is one of `advance_threshold`, `remediate_threshold`,
    /// `mastery_threshold`.
    #[error("course {course}: {threshold} must be between 0 and 1, got {value}")]
    OutOfRange {
        course: i64,
        threshold: &'static str,
        value: f64,
    },
    #[error(
        "course {course}: remediate_threshold ({remediate}) must not be above advance_threshold ({advance})"
    )]
    RemediateAboveAdvance {
        course: i64,
        remediate: f64,
        advance: f64,
    },
}

/// Every threshold problem of `course`; empty when its thresholds are usable. The order
/// check runs only when both thresholds are in range (one problem per mistake).
pub fn validate_thresholds(course: &Course) -> Vec<ThresholdError> {
    let thresholds = [
        ("advance_threshold", course.advance_threshold),
        ("remediate_threshold", course.remediate_threshold),
        ("mastery_threshold", course.mastery_threshold),
    ];
    let mut problems: Vec<ThresholdError> = thresholds
        .into_iter()
        .filter(|(_, value)| !(0.0..=1.0).contains(value))
        .map(|(threshold, value)| ThresholdError::OutOfRange {
            course: course.id,
            threshold,
            value,
        })
        .collect();
    if problems.is_empty() && course.remediate_threshold > course.advance_threshold {
        problems.push(ThresholdError::RemediateAboveAdvance {
            course: course.id,
            remediate: course.remediate_threshold,
            advance: course.advance_threshold,
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::testkit::course;

    #[test]
    fn the_defaults_and_the_edges_are_fine() {
        let mut fine = course(vec![], vec![], vec![]);
        assert!(validate_thresholds(&fine).is_empty());
        fine.advance_threshold = 1.0;
        fine.remediate_threshold = 0.0;
        fine.mastery_threshold = 1.0;
        assert!(validate_thresholds(&fine).is_empty());
        fine.remediate_threshold = 1.0;
        assert!(validate_thresholds(&fine).is_empty(), "equal is allowed");
    }

    #[test]
    fn out_of_range_and_nan_are_problems() {
        let mut broken = course(vec![], vec![], vec![]);
        broken.advance_threshold = 1.5;
        broken.mastery_threshold = f64::NAN;
        let problems: Vec<String> = validate_thresholds(&broken)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            problems,
            vec![
                "course 1: advance_threshold must be between 0 and 1, got 1.5",
                "course 1: mastery_threshold must be between 0 and 1, got NaN",
            ]
        );
    }

    #[test]
    fn remediation_above_advance_is_a_problem() {
        let mut overlapping = course(vec![], vec![], vec![]);
        overlapping.remediate_threshold = 0.95;
        assert_eq!(
            validate_thresholds(&overlapping),
            vec![ThresholdError::RemediateAboveAdvance {
                course: 1,
                remediate: 0.95,
                advance: 0.9
            }]
        );
    }
}
