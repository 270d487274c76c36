//! Conditions (`COL=V`, `COL!=V`, `COL<V`, `COL<=V`, `COL>V`, `COL>=V`, `COL~TEXT`) and
//! assignments (`COL=VALUE`), as written, and bound to column positions for the hot path.

use std::cmp::Ordering;
use std::str::FromStr;

use memchr::memmem;

use super::header::Header;
use super::CsvError;

const CONDITION_SYNTAX: &str = "COL=V, COL!=V, COL<V, COL<=V, COL>V, COL>=V or COL~TEXT";
const ASSIGNMENT_SYNTAX: &str = "COL=VALUE";

/// A comparison of a [`Condition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`: equal.
    Eq,
    /// `!=`: not equal.
    Ne,
    /// `<`: less than.
    Lt,
    /// `<=`: less than or equal.
    Le,
    /// `>`: greater than.
    Gt,
    /// `>=`: greater than or equal.
    Ge,
    /// `~`: contains the text.
    Contains,
}

impl Op {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "~",
        }
    }
}

/// A test on one column of a row: `COL=V`, `COL!=V`, `COL<V`, `COL<=V`, `COL>V`, `COL>=V`
/// or `COL~TEXT`.
///
/// A value that is a finite decimal number (optional sign, fraction and exponent, surrounding
/// spaces ignored; not `inf`, `NaN`, `0x10` or `1_000`) makes `<`, `<=`, `>` and `>=` numeric:
/// they match only fields that are such numbers too, so `amount>100` never matches `n/a`,
/// an empty cell or `inf`. `=` and `!=` with a number match numerically equal numbers (`1.0`
/// for `1`) and otherwise compare text. A value that is not a number compares every field
/// bytewise. `~` tests whether the field contains the text (case-sensitive). Several
/// conditions are ANDed.
///
/// # Example
///
/// ```
/// use bigedit_core::csv::{Condition, Op};
///
/// let c: Condition = "price>=9.5".parse().unwrap();
/// assert_eq!((c.column.as_str(), c.op, c.value.as_str()), ("price", Op::Ge, "9.5"));
/// assert!(c.test(b"10"));   // numeric: 10 >= 9.5
/// assert!(!c.test(b"9"));
/// assert!(!c.test(b"abc") && !c.test(b"") && !c.test(b"inf")); // not numbers: no match
/// assert!("city~Par".parse::<Condition>().unwrap().test(b"Paris"));
/// assert!("price".parse::<Condition>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The column name (or 1-based number in a file without header).
    pub column: String,
    /// The comparison.
    pub op: Op,
    /// The value compared with (may be empty).
    pub value: String,
}

impl Condition {
    /// Parses `COL<op>VALUE`; the operator is the first of `= != < <= > >= ~` in the text.
    ///
    /// # Errors
    ///
    /// [`CsvError::BadCondition`] when there is no operator or no column name.
    pub fn parse(text: &str) -> Result<Condition, CsvError> {
        let bad = || CsvError::BadCondition { text: text.to_string(), expected: CONDITION_SYNTAX };
        let at = text.find(['=', '!', '<', '>', '~']).ok_or_else(bad)?;
        let rest = &text[at..];
        let (op, len) = if rest.starts_with("!=") {
            (Op::Ne, 2)
        } else if rest.starts_with("<=") {
            (Op::Le, 2)
        } else if rest.starts_with(">=") {
            (Op::Ge, 2)
        } else {
            match rest.as_bytes()[0] {
                b'=' => (Op::Eq, 1),
                b'<' => (Op::Lt, 1),
                b'>' => (Op::Gt, 1),
                b'~' => (Op::Contains, 1),
                _ => return Err(bad()),
            }
        };
        if at == 0 {
            return Err(bad());
        }
        Ok(Condition { column: text[..at].to_string(), op, value: rest[len..].to_string() })
    }

    /// Whether `field` (unescaped) passes the test.
    pub fn test(&self, field: &[u8]) -> bool {
        Test::new(0, self).matches(field)
    }
}

impl FromStr for Condition {
    type Err = CsvError;

    fn from_str(text: &str) -> Result<Self, CsvError> {
        Condition::parse(text)
    }
}

/// A new value for a column: `COL=VALUE` (split at the first `=`).
///
/// # Example
///
/// ```
/// use bigedit_core::csv::Assignment;
///
/// let a: Assignment = "note=a=b".parse().unwrap();
/// assert_eq!((a.column.as_str(), a.value.as_str()), ("note", "a=b"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The column name (or 1-based number in a file without header).
    pub column: String,
    /// The new value (unescaped; it is quoted as needed when written).
    pub value: String,
}

impl Assignment {
    /// Parses `COL=VALUE`.
    ///
    /// # Errors
    ///
    /// [`CsvError::BadAssignment`] without `=` or without a column name.
    pub fn parse(text: &str) -> Result<Assignment, CsvError> {
        match text.split_once('=') {
            Some((col, value)) if !col.is_empty() => {
                Ok(Assignment { column: col.to_string(), value: value.to_string() })
            }
            _ => {
                Err(CsvError::BadAssignment { text: text.to_string(), expected: ASSIGNMENT_SYNTAX })
            }
        }
    }
}

impl FromStr for Assignment {
    type Err = CsvError;

    fn from_str(text: &str) -> Result<Self, CsvError> {
        Assignment::parse(text)
    }
}

/// Parses a field as a number: optional spaces, sign, digits, fraction and exponent. Rejects
/// `inf`, `nan` and everything else `f64::from_str` would take that a person would not call a
/// number.
pub(crate) fn parse_number(field: &[u8]) -> Option<f64> {
    let t = field.trim_ascii();
    let first = *t.first()?;
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    if !t.iter().all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E')) {
        return None;
    }
    std::str::from_utf8(t).ok()?.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A condition bound to a column position, ready for the per-row hot path.
#[derive(Debug, Clone)]
pub(crate) struct Test {
    pub column: usize,
    op: Op,
    value: Vec<u8>,
    number: Option<f64>,
    finder: memmem::Finder<'static>,
}

impl Test {
    pub fn new(column: usize, cond: &Condition) -> Test {
        let value = cond.value.as_bytes().to_vec();
        Test {
            column,
            op: cond.op,
            number: parse_number(&value),
            finder: memmem::Finder::new(&value).into_owned(),
            value,
        }
    }

    /// Binds every condition to its column of `header`.
    pub fn bind_all(conds: &[Condition], header: &Header) -> Result<Vec<Test>, CsvError> {
        conds.iter().map(|c| Ok(Test::new(header.column(&c.column)?, c))).collect()
    }

    /// Whether `field` passes. Runs in O(field) with no allocation.
    pub fn matches(&self, field: &[u8]) -> bool {
        match self.op {
            Op::Contains => self.finder.find(field).is_some(),
            Op::Eq => self.equal(field),
            Op::Ne => !self.equal(field),
            Op::Lt => self.order(field) == Some(Ordering::Less),
            Op::Le => self.order(field).is_some_and(|o| o != Ordering::Greater),
            Op::Gt => self.order(field) == Some(Ordering::Greater),
            Op::Ge => self.order(field).is_some_and(|o| o != Ordering::Less),
        }
    }

    fn equal(&self, field: &[u8]) -> bool {
        field == self.value.as_slice()
            || self.number.is_some_and(|n| parse_number(field).is_some_and(|f| f == n))
    }

    /// How `field` orders against the value: numerically against a number (`None` for a
    /// field that is not one), bytewise against text.
    fn order(&self, field: &[u8]) -> Option<Ordering> {
        match self.number {
            Some(n) => parse_number(field)?.partial_cmp(&n),
            None => Some(field.cmp(self.value.as_slice())),
        }
    }

    /// Whether a record passes every test (a missing field passes none).
    pub fn all(tests: &[Test], record: &super::Record<'_>) -> bool {
        tests.iter().all(|t| record.field(t.column).is_some_and(|f| t.matches(f)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operator() {
        let p = |s: &str| {
            let c = Condition::parse(s).unwrap();
            (c.column, c.op, c.value)
        };
        assert_eq!(p("a=1"), ("a".into(), Op::Eq, "1".into()));
        assert_eq!(p("a!=1"), ("a".into(), Op::Ne, "1".into()));
        assert_eq!(p("a<1"), ("a".into(), Op::Lt, "1".into()));
        assert_eq!(p("a<=1"), ("a".into(), Op::Le, "1".into()));
        assert_eq!(p("a>1"), ("a".into(), Op::Gt, "1".into()));
        assert_eq!(p("a>=1"), ("a".into(), Op::Ge, "1".into()));
        assert_eq!(p("a~x=y"), ("a".into(), Op::Contains, "x=y".into()));
        assert_eq!(p("a="), ("a".into(), Op::Eq, "".into()));
        assert_eq!(p("my col=<b>"), ("my col".into(), Op::Eq, "<b>".into()));
        for bad in ["", "a", "=1", "a!1", "~x"] {
            let err = Condition::parse(bad).unwrap_err();
            assert!(err.to_string().starts_with("invalid condition"), "{bad}: {err}");
        }
        assert!(Assignment::parse("=x").is_err() && Assignment::parse("x").is_err());
    }

    #[test]
    fn compares_numbers_numerically_and_text_bytewise() {
        let t = |s: &str, field: &str| {
            Test::new(0, &Condition::parse(s).unwrap()).matches(field.as_bytes())
        };
        assert!(t("n<10", "9") && !t("n<10", "10") && t("n<=10", "10.0"));
        assert!(t("n>9", "10") && !t("n>9", "abc") && !t("n>9", "8"));
        // Only finite decimal numbers meet a numeric bound.
        for cell in ["NaN", "nan", "inf", "-inf", "", " ", "0x10", "1_000", "n/a", "10x"] {
            for cond in ["n>6", "n<5", "n>=0", "n<=1e9"] {
                assert!(!t(cond, cell), "{cond} matched {cell:?}");
            }
        }
        assert!(t("n!=5", "n/a") && !t("n=5", "n/a") && t("n<=1e9", " 7 "));
        assert!(t("s<b", "a") && !t("s<b", "c") && t("s>=b", "b"));
        assert!(t("n=1", "1.0") && t("n=1", " 1 ") && !t("n=1", "1x"));
        assert!(t("s=Paris", "Paris") && !t("s=Paris", "paris") && t("s!=Paris", "Rome"));
        assert!(t("s~ar", "Paris") && t("s~", "") && !t("s~x", "Paris"));
        assert!(parse_number(b"inf").is_none() && parse_number(b"nan").is_none());
        assert!(parse_number(b"-1.5e3") == Some(-1500.0) && parse_number(b"").is_none());
        // A text bound compares every field bytewise, numbers too.
        assert!(t("s<b", "10") && t("s>=a", "b1"));
    }
}
