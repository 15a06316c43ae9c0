//! Exact rational numbers for fraction answers: "3/4", "6/8", "0.75", "1 1/2" compare
//! exactly, never as floats.
//!
//! Numerators and denominators are `i128`; every operation is checked, and a number too
//! large to represent simply fails to parse (an answer that does not parse is wrong, a key
//! that does not parse is a key error).

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// Longest run of digits accepted in one part of a number. Keeps every intermediate
/// product below `i128::MAX` (about 1.7e38).
const MAX_DIGITS: usize = 18;

/// A rational number in lowest terms with a positive denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rational {
    numerator: i128,
    denominator: i128,
}

/// How a number was written, which matters when a key requires lowest terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    /// `3`, `-2`
    Integer,
    /// `0.75`, `.5`
    Decimal,
    /// `3/4`, `-6 / 8`
    Fraction,
    /// `1 1/2`
    Mixed,
}

/// A parsed number together with how it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrittenNumber {
    pub value: Rational,
    pub notation: Notation,
    /// Whether the fraction part was written in lowest terms (`6/8` was not). Always true
    /// for integers; meaningless for decimals (false).
    pub lowest_terms: bool,
}

impl Rational {
    /// `numerator / denominator`, reduced; `None` when the denominator is zero.
    pub fn new(numerator: i128, denominator: i128) -> Option<Self> {
        if denominator == 0 {
            return None;
        }
        let divisor = gcd(numerator, denominator);
        let sign = if denominator < 0 { -1 } else { 1 };
        Some(Self {
            numerator: sign * (numerator / divisor),
            denominator: sign * (denominator / divisor),
        })
    }

    /// The integer `value`.
    pub fn integer(value: i128) -> Self {
        Self {
            numerator: value,
            denominator: 1,
        }
    }

    pub fn numerator(self) -> i128 {
        self.numerator
    }

    pub fn denominator(self) -> i128 {
        self.denominator
    }

    /// The nearest `f64` (for display and tolerance comparisons only).
    pub fn to_f64(self) -> f64 {
        self.numerator as f64 / self.denominator as f64
    }

    /// Parses a written number: an integer, a decimal, a fraction or a mixed number, with
    /// an optional sign and spaces around the slash. Unicode is NFKC-normalized first, so
    /// "¾" reads as 3/4, and "−" (U+2212) is a minus sign.
    pub fn parse(text: &str) -> Option<Self> {
        parse_written(text).map(|written| written.value)
    }

    /// Reads a JSON number exactly: integers as integers, floats through their shortest
    /// decimal representation (so `0.75` is exactly 3/4).
    pub fn from_json_number(number: &serde_json::Number) -> Option<Self> {
        if let Some(integer) = number.as_i64() {
            return Some(Self::integer(i128::from(integer)));
        }
        let float = number.as_f64()?;
        if !float.is_finite() {
            return None;
        }
        parse_decimal(&format!("{float}"))
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.denominator == 1 {
            write!(f, "{}", self.numerator)
        } else {
            write!(f, "{}/{}", self.numerator, self.denominator)
        }
    }
}

/// Parses a written number and remembers its notation; see [`Rational::parse`].
pub fn parse_written(text: &str) -> Option<WrittenNumber> {
    let normalized: String = text.nfkc().collect();
    let normalized = normalized
        .replace(['\u{2044}', '\u{2215}'], "/")
        .replace('\u{2212}', "-");
    let trimmed = normalized.trim();
    let (negative, unsigned) = split_sign(trimmed);
    let mut written = parse_unsigned(unsigned.trim_start())?;
    if negative {
        written.value = Rational {
            numerator: -written.value.numerator,
            ..written.value
        };
    }
    Some(written)
}

fn split_sign(text: &str) -> (bool, &str) {
    if let Some(rest) = text.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = text.strip_prefix('+') {
        (false, rest)
    } else {
        (false, text)
    }
}

fn parse_unsigned(text: &str) -> Option<WrittenNumber> {
    if let Some((left, right)) = text.split_once('/') {
        return parse_fraction_or_mixed(left.trim_end(), right.trim_start());
    }
    if is_digits(text) {
        return Some(WrittenNumber {
            value: Rational::integer(parse_digits(text)?),
            notation: Notation::Integer,
            lowest_terms: true,
        });
    }
    let value = parse_decimal(text)?;
    Some(WrittenNumber {
        value,
        notation: Notation::Decimal,
        lowest_terms: false,
    })
}

/// `left` is "3" (a fraction) or "1 1" (a mixed number: whole part, then numerator).
fn parse_fraction_or_mixed(left: &str, right: &str) -> Option<WrittenNumber> {
    let denominator = parse_digits(right)?;
    if denominator == 0 {
        return None;
    }
    let mut parts = left.split_whitespace();
    let first = parse_digits(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(WrittenNumber {
            value: Rational::new(first, denominator)?,
            notation: Notation::Fraction,
            lowest_terms: gcd(first, denominator) == 1,
        }),
        (Some(numerator), None) => {
            let numerator = parse_digits(numerator)?;
            if numerator >= denominator {
                return None;
            }
            let total = first.checked_mul(denominator)?.checked_add(numerator)?;
            Some(WrittenNumber {
                value: Rational::new(total, denominator)?,
                notation: Notation::Mixed,
                lowest_terms: gcd(numerator, denominator) == 1,
            })
        }
        _ => None,
    }
}

/// "0.75", ".5", "2.", "-1.25e0" is not accepted (no exponents).
fn parse_decimal(text: &str) -> Option<Rational> {
    let (negative, unsigned) = split_sign(text);
    let (whole, fraction) = unsigned.split_once('.')?;
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole_value = if whole.is_empty() {
        0
    } else {
        parse_digits(whole)?
    };
    let fraction_value = if fraction.is_empty() {
        0
    } else {
        parse_digits(fraction)?
    };
    let scale = 10_i128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
    let numerator = whole_value
        .checked_mul(scale)?
        .checked_add(fraction_value)?;
    Rational::new(if negative { -numerator } else { numerator }, scale)
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

fn parse_digits(text: &str) -> Option<i128> {
    if !is_digits(text) || text.len() > MAX_DIGITS {
        return None;
    }
    text.parse().ok()
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    // Both inputs are bounded by MAX_DIGITS digits, so the gcd fits; 0 only for (0, 0).
    i128::try_from(a).unwrap_or(1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i128, d: i128) -> Rational {
        Rational::new(n, d).expect("non-zero denominator")
    }

    #[test]
    fn equivalent_writings_parse_to_the_same_value() {
        for text in [
            "3/4", "6/8", "0.75", " 3 / 4 ", ".75", "+3/4", "¾", "3⁄4", "0.750",
        ] {
            assert_eq!(Rational::parse(text), Some(r(3, 4)), "{text:?}");
        }
    }

    #[test]
    fn negatives_and_mixed_numbers() {
        assert_eq!(Rational::parse("-1/2"), Some(r(-1, 2)));
        assert_eq!(Rational::parse("−1/2"), Some(r(-1, 2)));
        assert_eq!(Rational::parse("- 1/2"), Some(r(-1, 2)));
        assert_eq!(Rational::parse("1 1/2"), Some(r(3, 2)));
        assert_eq!(Rational::parse("-1 1/2"), Some(r(-3, 2)));
        assert_eq!(Rational::parse("2"), Some(r(2, 1)));
        assert_eq!(Rational::parse("-0.5"), Some(r(-1, 2)));
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for text in [
            "", " ", "abc", "3/0", "1/-2", "1 3/2", "1 2 3/4", "3//4", "1e3", "inf", "NaN", "0x10",
            ".", "3/4/5", "1,5",
        ] {
            assert_eq!(Rational::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn huge_numbers_fail_instead_of_overflowing() {
        assert_eq!(Rational::parse("1234567890123456789012345/2"), None);
        assert_eq!(
            Rational::parse("999999999999999999 999999999999999998/999999999999999999").map(|_| ()),
            Some(())
        );
        assert!(Rational::parse("0.1234567890123456789").is_none());
    }

    #[test]
    fn notation_and_lowest_terms_are_remembered() {
        let written = parse_written("6/8").expect("parses");
        assert_eq!(
            (written.notation, written.lowest_terms),
            (Notation::Fraction, false)
        );
        let written = parse_written("3/4").expect("parses");
        assert_eq!(
            (written.notation, written.lowest_terms),
            (Notation::Fraction, true)
        );
        let written = parse_written("1 2/4").expect("parses");
        assert_eq!(
            (written.notation, written.lowest_terms),
            (Notation::Mixed, false)
        );
        let written = parse_written("0.75").expect("parses");
        assert_eq!(written.notation, Notation::Decimal);
        let written = parse_written("4").expect("parses");
        assert_eq!(
            (written.notation, written.lowest_terms),
            (Notation::Integer, true)
        );
    }

    #[test]
    fn json_numbers_are_read_exactly() {
        let number = |v: serde_json::Value| match v {
            serde_json::Value::Number(n) => n,
            _ => unreachable!(),
        };
        assert_eq!(
            Rational::from_json_number(&number(serde_json::json!(0.75))),
            Some(r(3, 4))
        );
        assert_eq!(
            Rational::from_json_number(&number(serde_json::json!(0.1))),
            Some(r(1, 10))
        );
        assert_eq!(
            Rational::from_json_number(&number(serde_json::json!(-2))),
            Some(r(-2, 1))
        );
    }

    #[test]
    fn display_is_reduced() {
        assert_eq!(r(6, 8).to_string(), "3/4");
        assert_eq!(r(4, 2).to_string(), "2");
        assert_eq!(r(1, -2).to_string(), "-1/2");
        assert_eq!(r(0, 5).to_string(), "0");
    }
}
