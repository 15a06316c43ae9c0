//! Fitting a course's FSRS-6 parameters to its own review history with the `fsrs` crate's
//! optimizer, and scoring the default and the fitted parameters on the same reviews.
//!
//! A review history is one (student, skill): the FSRS reviews it got, in time order (one
//! per graded attempt that assessed the skill, rated as in [`super::reviews`]). Each review
//! after the first is a training example: given the reviews before it and the days since
//! the last one, was the skill recalled (any rating but Again)? Days are whole days
//! between reviews (the first review's is 0), as the crate expects.
//!
//! Fitting needs history: below [`MIN_REVIEWS`] long-term reviews (Anki asks for the same
//! order of magnitude) the answer is "not enough history" and the defaults stay.

use chrono::{DateTime, Utc};
use fsrs::{ComputeParametersInput, DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview};
use serde::Serialize;

use super::reviews::ReviewRating;

/// Long-term reviews (a day or more after the previous one) a course needs before its
/// parameters are fitted.
pub const MIN_REVIEWS: usize = 400;

/// One (student, skill)'s reviews, in time order.
pub type ReviewHistory = Vec<(DateTime<Utc>, ReviewRating)>;

/// The fit, with the default and the fitted parameters scored on the same reviews.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedReviewParameters {
    pub parameters: Vec<f32>,
    /// Long-term reviews the fit learned from.
    pub reviews: usize,
    pub log_loss_default: f32,
    pub log_loss_fitted: f32,
    /// The crate's binned RMSE of predicted against observed recall (lower is better).
    pub rmse_default: f32,
    pub rmse_fitted: f32,
}

/// Why no parameters were fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
pub enum FitError {
    #[error("not enough review history: {reviews} long-term reviews, {MIN_REVIEWS} needed")]
    NotEnoughHistory { reviews: usize },
    #[error("the FSRS optimizer failed: {0}")]
    Optimizer(String),
}

/// The training examples of `histories`: for each review after the first, the history up
/// to and including it.
pub fn items_of(histories: &[ReviewHistory]) -> Vec<FSRSItem> {
    let mut items = Vec::new();
    for history in histories {
        let mut reviews: Vec<FSRSReview> = Vec::with_capacity(history.len());
        let mut previous: Option<DateTime<Utc>> = None;
        for (at, rating) in history {
            let delta_t = previous.map_or(0, |before| {
                u32::try_from((*at - before).num_days().max(0)).unwrap_or(u32::MAX)
            });
            previous = Some(*at);
            reviews.push(FSRSReview {
                rating: rating.value(),
                delta_t,
            });
            if reviews.len() >= 2 {
                items.push(FSRSItem {
                    reviews: reviews.clone(),
                });
            }
        }
    }
    items
}

/// How many of `items` end with a long-term review (the ones the optimizer learns from).
fn long_term(items: &[FSRSItem]) -> usize {
    items
        .iter()
        .filter(|item| item.reviews.last().is_some_and(|r| r.delta_t > 0))
        .count()
}

/// Fits a course's parameters to its review histories.
pub fn fit(histories: &[ReviewHistory]) -> Result<FittedReviewParameters, FitError> {
    let items = items_of(histories);
    let reviews = long_term(&items);
    if reviews < MIN_REVIEWS {
        return Err(FitError::NotEnoughHistory { reviews });
    }
    let optimizer = |e: fsrs::FSRSError| FitError::Optimizer(e.to_string());
    let parameters = fsrs::compute_parameters(ComputeParametersInput {
        train_set: items.clone(),
        // Pathwise schedules in whole days: no same-day (short-term) parameters.
        enable_short_term: false,
        ..ComputeParametersInput::default()
    })
    .map_err(optimizer)?;
    let default = FSRS::new(&DEFAULT_PARAMETERS)
        .map_err(optimizer)?
        .evaluate(items.clone(), |_| true)
        .map_err(optimizer)?;
    let fitted = FSRS::new(&parameters)
        .map_err(optimizer)?
        .evaluate(items, |_| true)
        .map_err(optimizer)?;
    Ok(FittedReviewParameters {
        parameters,
        reviews,
        log_loss_default: default.log_loss,
        log_loss_fitted: fitted.log_loss,
        rmse_default: default.rmse_bins,
        rmse_fitted: fitted.rmse_bins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::testkit::day;
    use chrono::Duration;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    /// Students whose memory fades much more slowly than FSRS' defaults assume: recall
    /// after `t` days with stability `s` follows FSRS' curve, but stability starts at 12
    /// days and triples on every recall (the defaults start near 2 and grow less).
    fn slow_forgetters(students: usize, seed: u64) -> Vec<ReviewHistory> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..students)
            .map(|_| {
                let mut at = day(0);
                let mut stability = 12.0f64;
                let mut history = vec![(at, ReviewRating::Good)];
                for _ in 0..8 {
                    let gap = rng.random_range(1..40);
                    at += Duration::days(gap);
                    let recall = (1.0 + (19.0 / 81.0) * gap as f64 / stability).powf(-0.5);
                    if rng.random_bool(recall.clamp(0.0, 1.0)) {
                        history.push((at, ReviewRating::Good));
                        stability *= 3.0;
                    } else {
                        history.push((at, ReviewRating::Again));
                        stability = (stability / 2.0).max(1.0);
                    }
                }
                history
            })
            .collect()
    }

    #[test]
    fn items_count_whole_days_and_one_example_per_review_after_the_first() {
        let history = vec![
            (day(0), ReviewRating::Good),
            (day(3) + Duration::hours(5), ReviewRating::Again),
            (day(3) + Duration::hours(9), ReviewRating::Good),
        ];
        let items = items_of(&[history]);
        assert_eq!(items.len(), 2);
        let deltas: Vec<u32> = items[1].reviews.iter().map(|r| r.delta_t).collect();
        assert_eq!(deltas, [0, 3, 0]);
        let ratings: Vec<u32> = items[1].reviews.iter().map(|r| r.rating).collect();
        assert_eq!(ratings, [3, 1, 3]);
        assert_eq!(
            long_term(&items),
            1,
            "a same-day review teaches the long-term model nothing"
        );
    }

    #[test]
    fn too_little_history_keeps_the_defaults() {
        let few = slow_forgetters(10, 1);
        assert!(
            matches!(fit(&few), Err(FitError::NotEnoughHistory { reviews }) if reviews < MIN_REVIEWS)
        );
    }

    #[test]
    fn a_fit_on_students_who_forget_slowly_predicts_them_better_than_the_defaults() {
        let histories = slow_forgetters(150, 7);
        let fitted = fit(&histories).expect("enough history");
        assert!(fitted.reviews >= MIN_REVIEWS, "{fitted:?}");
        assert_eq!(fitted.parameters.len(), DEFAULT_PARAMETERS.len());
        assert!(
            fitted.log_loss_fitted < fitted.log_loss_default,
            "fitted {} vs default {}",
            fitted.log_loss_fitted,
            fitted.log_loss_default
        );
        // The first-review stability for Good (w2) moves toward these students' 12 days.
        assert!(
            fitted.parameters[2] > DEFAULT_PARAMETERS[2],
            "w2 {} vs default {}",
            fitted.parameters[2],
            DEFAULT_PARAMETERS[2]
        );
    }
}
