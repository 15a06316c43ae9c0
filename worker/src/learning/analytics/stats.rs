//! The few statistics the analytics need, written out so that no numerics crate enters
//! the tree: means, medians, the Student-t distribution (through the regularized
//! incomplete beta function) and 95% intervals built on it.
//!
//! Every function returns `None` rather than a made-up number when its input cannot
//! support an answer (no values, one value where a spread is needed).

use serde::{Deserialize, Serialize};

/// The 97.5% quantile of the standard normal distribution: a two-sided 95% interval is
/// the estimate plus or minus this many standard errors when the sample is large.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A closed interval, `low <= high`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// Whether `value` lies inside the interval, bounds included.
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// A mean over independent units with its two-sided 95% Student-t interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The mean.
    pub value: f64,
    /// `None` with fewer than two units (no spread to measure).
    pub ci95: Option<Interval>,
    /// How many independent units (students) the mean is over.
    pub n: usize,
}

/// The arithmetic mean; `None` when empty.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// The median (the mean of the two middle values for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// The unbiased sample variance (divisor `n - 1`); `None` with fewer than two values.
pub fn sample_variance(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let squares: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    Some(squares / (values.len() - 1) as f64)
}

/// The mean of `values` with a 95% interval `mean ± t(0.975, n-1) · sd / √n`, clamped to
/// `bounds` when given (a rate cannot leave 0..1).
pub fn mean_with_ci(values: &[f64], bounds: Option<(f64, f64)>) -> Option<Estimate> {
    let value = mean(values)?;
    let ci95 = sample_variance(values).map(|variance| {
        let n = values.len() as f64;
        let half = t_quantile(0.975, n - 1.0) * (variance / n).sqrt();
        clamp_interval(value - half, value + half, bounds)
    });
    Some(Estimate {
        value,
        ci95,
        n: values.len(),
    })
}

/// The difference of two independent means, `mean(b) - mean(a)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub value: f64,
    /// Welch's 95% interval.
    pub ci95: Interval,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
}

/// `mean(b) - mean(a)` with Welch's unequal-variance 95% interval; `None` when either
/// side has fewer than two values.
///
/// When both sides have no spread at all the standard error is zero and the interval
/// collapses onto the difference (df is then `n_a + n_b - 2`, which no longer matters).
pub fn welch_difference(a: &[f64], b: &[f64]) -> Option<Difference> {
    let (mean_a, mean_b) = (mean(a)?, mean(b)?);
    let (var_a, var_b) = (sample_variance(a)?, sample_variance(b)?);
    let (n_a, n_b) = (a.len() as f64, b.len() as f64);
    let (se2_a, se2_b) = (var_a / n_a, var_b / n_b);
    let se2 = se2_a + se2_b;
    let df = if se2 > 0.0 {
        se2 * se2 / (se2_a * se2_a / (n_a - 1.0) + se2_b * se2_b / (n_b - 1.0))
    } else {
        n_a + n_b - 2.0
    };
    let value = mean_b - mean_a;
    let half = t_quantile(0.975, df) * se2.sqrt();
    Some(Difference {
        value,
        ci95: Interval {
            low: value - half,
            high: value + half,
        },
        df,
    })
}

fn clamp_interval(low: f64, high: f64, bounds: Option<(f64, f64)>) -> Interval {
    match bounds {
        Some((min, max)) => Interval {
            low: low.clamp(min, max),
            high: high.clamp(min, max),
        },
        None => Interval { low, high },
    }
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom (any real
/// `df > 0`, as Welch's test needs), by bisection on [`t_cdf`] to full double precision.
/// Degrees of freedom above 10⁷ are treated as the normal limit for `p = 0.975`
/// ([`Z_95`]) and capped otherwise.
///
/// # Panics
/// When `p` is not strictly between 0 and 1 or `df` is not positive.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    assert!(
        p > 0.0 && p < 1.0,
        "t_quantile: p must be in (0, 1), got {p}"
    );
    assert!(df > 0.0, "t_quantile: df must be positive, got {df}");
    if df > 1e7 && p == 0.975 {
        return Z_95;
    }
    let df = df.min(1e7);
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    let mut high = 2.0;
    while t_cdf(high, df) < p {
        high *= 2.0;
    }
    let mut low = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if mid <= low || mid >= high {
            break;
        }
        if t_cdf(mid, df) < p {
            low = mid;
        } else {
            high = mid;
        }
    }
    0.5 * (low + high)
}

/// P(T <= t) for Student's t with `df` degrees of freedom:
/// `P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2)`.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * regularized_incomplete_beta(df / 2.0, 0.5, x);
    if t > 0.0 { 1.0 - tail } else { tail }
}

/// I_x(a, b), by the continued fraction of Numerical Recipes §6.4 (modified Lentz).
fn regularized_incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-16;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=10_000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let even = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / nonzero(1.0 + even * d);
        c = nonzero(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / nonzero(1.0 + odd * d);
        c = nonzero(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0: the Lanczos-type series of Numerical Recipes (3rd ed., §6.1,
/// `gammln`, 14 terms), accurate to about 1e-15 relative.
fn ln_gamma(x: f64) -> f64 {
    // The digits as published, so that they can be checked against the book.
    #[allow(clippy::excessive_precision)]
    const COEFFICIENTS: [f64; 14] = [
        57.156_235_665_862_923_5,
        -59.597_960_355_475_491_2,
        14.136_097_974_741_747_1,
        -0.491_913_816_097_620_199,
        0.339_946_499_848_118_887e-4,
        0.465_236_289_270_485_756e-4,
        -0.983_744_753_048_795_646e-4,
        0.158_088_703_224_912_494e-3,
        -0.210_264_441_724_104_883e-3,
        0.217_439_618_115_212_643e-3,
        -0.164_318_106_536_763_890e-3,
        0.844_182_239_838_527_433e-4,
        -0.261_908_384_015_814_087e-4,
        0.368_991_826_595_316_234e-5,
    ];
    let mut tmp = x + 5.242_187_5;
    tmp = (x + 0.5) * tmp.ln() - tmp;
    #[allow(clippy::excessive_precision)]
    let mut series = 0.999_999_999_999_997_092;
    let mut y = x;
    for c in COEFFICIENTS {
        y += 1.0;
        series += c / y;
    }
    tmp + (2.506_628_274_631_000_5 * series / x).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn ln_gamma_matches_factorials_and_sqrt_pi() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-13));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-13));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-13
        ));
        assert!(close(
            ln_gamma(101.0),
            (1..=100).map(|k| (k as f64).ln()).sum(),
            1e-9
        ));
    }

    #[test]
    fn t_quantiles_match_closed_forms() {
        // df = 1 is Cauchy: tan(π(p - 1/2)); df = 2: (2p - 1) / √(2p(1 - p)).
        for p in [0.6, 0.9, 0.975, 0.995] {
            let cauchy = (std::f64::consts::PI * (p - 0.5)).tan();
            assert!(
                close(t_quantile(p, 1.0), cauchy, 1e-9 * cauchy.max(1.0)),
                "{p}"
            );
            let two = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
            assert!(close(t_quantile(p, 2.0), two, 1e-9), "{p}");
        }
        assert!(close(t_quantile(0.975, 1.0), 12.706_204_736, 1e-8));
        assert!(close(t_quantile(0.975, 2.0), 4.302_652_730, 1e-8));
    }

    #[test]
    fn t_quantiles_match_published_tables() {
        // Student t tables (97.5%, two-sided 95%), to the digits printed there.
        let table = [
            (3.0, 3.182_446),
            (5.0, 2.570_582),
            (10.0, 2.228_139),
            (30.0, 2.042_272),
            (120.0, 1.979_930),
        ];
        for (df, expected) in table {
            assert!(close(t_quantile(0.975, df), expected, 2e-6), "df {df}");
        }
        assert!(close(t_quantile(0.975, 1e6), Z_95, 1e-5));
        assert_eq!(t_quantile(0.975, 1e9), Z_95);
        assert!(close(t_quantile(0.025, 10.0), -2.228_139, 2e-6));
        assert_eq!(t_quantile(0.5, 7.0), 0.0);
        // Fractional df (Welch) sits between its neighbours.
        let q = t_quantile(0.975, 7.5);
        assert!(q < t_quantile(0.975, 7.0) && q > t_quantile(0.975, 8.0));
    }

    #[test]
    fn t_cdf_is_symmetric() {
        for t in [0.3, 1.0, 2.5] {
            assert!(close(t_cdf(t, 4.0) + t_cdf(-t, 4.0), 1.0, 1e-14));
        }
        assert!(close(t_cdf(0.0, 4.0), 0.5, 1e-15));
    }

    #[test]
    fn means_medians_and_variances() {
        assert_eq!(mean(&[]), None);
        assert_eq!(median(&[]), None);
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(sample_variance(&[1.0]), None);
        assert_eq!(sample_variance(&[1.0, 3.0]), Some(2.0));
    }

    #[test]
    fn mean_interval_by_hand() {
        // mean 2, sd 1, n 3: 2 ± 4.302653 / √3.
        let estimate = mean_with_ci(&[1.0, 2.0, 3.0], None).unwrap();
        let half = 4.302_652_730 / 3f64.sqrt();
        let ci = estimate.ci95.unwrap();
        assert!(close(ci.low, 2.0 - half, 1e-8) && close(ci.high, 2.0 + half, 1e-8));
        assert_eq!(estimate.n, 3);
        let clamped = mean_with_ci(&[0.0, 1.0], Some((0.0, 1.0))).unwrap();
        assert_eq!(
            clamped.ci95,
            Some(Interval {
                low: 0.0,
                high: 1.0
            })
        );
        assert_eq!(mean_with_ci(&[0.4], None).unwrap().ci95, None);
        assert_eq!(mean_with_ci(&[], None), None);
    }

    #[test]
    fn welch_by_hand() {
        // a: mean 2, var 1, n 3; b: mean 5, var 4, n 3. se² = 1/3 + 4/3 = 5/3;
        // df = (5/3)² / ((1/3)²/2 + (4/3)²/2) = (25/9) / (17/18) = 50/17.
        let d = welch_difference(&[1.0, 2.0, 3.0], &[3.0, 5.0, 7.0]).unwrap();
        assert!(close(d.value, 3.0, 1e-12));
        assert!(close(d.df, 50.0 / 17.0, 1e-12));
        let half = t_quantile(0.975, 50.0 / 17.0) * (5.0f64 / 3.0).sqrt();
        assert!(close(d.ci95.low, 3.0 - half, 1e-12));
        assert!(close(d.ci95.high, 3.0 + half, 1e-12));
        assert_eq!(welch_difference(&[1.0], &[1.0, 2.0]), None);
        let flat = welch_difference(&[1.0, 1.0], &[0.0, 0.0]).unwrap();
        assert_eq!(flat.value, -1.0);
        assert_eq!(
            flat.ci95,
            Interval {
                low: -1.0,
                high: -1.0
            }
        );
    }
}
