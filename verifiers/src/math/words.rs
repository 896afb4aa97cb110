//! Word lists: units stripped from answers, number words, Greek letters.
//!
//! Units are stripped, never converted: `5\text{ cm}` is `5`, and `5 m` vs `500 cm` is wrong.
//! Single-letter units (`m`, `s`, `g`) are stripped only inside `\text{..}`, since bare they are
//! variables.

const UNITS: &[&str] = &[
    "cm",
    "m",
    "km",
    "mm",
    "nm",
    "in",
    "inch",
    "inches",
    "ft",
    "feet",
    "foot",
    "yd",
    "yard",
    "yards",
    "mile",
    "miles",
    "mi",
    "meter",
    "meters",
    "metre",
    "metres",
    "centimeter",
    "centimeters",
    "millimeter",
    "millimeters",
    "kilometer",
    "kilometers",
    "kg",
    "g",
    "gram",
    "grams",
    "kilogram",
    "kilograms",
    "mg",
    "lb",
    "lbs",
    "pound",
    "pounds",
    "oz",
    "ounce",
    "ounces",
    "ton",
    "tons",
    "s",
    "sec",
    "secs",
    "second",
    "seconds",
    "min",
    "mins",
    "minute",
    "minutes",
    "h",
    "hr",
    "hrs",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "dollar",
    "dollars",
    "cent",
    "cents",
    "usd",
    "unit",
    "units",
    "sq",
    "square",
    "cubic",
    "degree",
    "degrees",
    "deg",
    "mph",
    "kmh",
    "l",
    "liter",
    "liters",
    "litre",
    "litres",
    "ml",
    "gallon",
    "gallons",
    "cup",
    "cups",
    "people",
    "persons",
    "students",
    "student",
    "times",
    "ways",
    "point",
    "points",
    "percent",
    "pages",
    "page",
    "items",
    "apples",
    "marbles",
    "books",
    "miles/hour",
    "km/h",
    "m/s",
    "cm^2",
    "m^2",
    "cm^3",
    "m^3",
    "ft^2",
    "in^2",
    "inches^2",
    "units^2",
    "radians",
    "rad",
    "th",
    "st",
    "nd",
    "rd",
    "and",
    "of",
    "per",
    "each",
];

/// Units that may be stripped when they follow an answer as bare words (two letters or more).
const BARE_UNITS: &[&str] = &[
    "cm",
    "km",
    "mm",
    "inch",
    "inches",
    "ft",
    "feet",
    "foot",
    "yd",
    "yard",
    "yards",
    "mile",
    "miles",
    "meter",
    "meters",
    "metre",
    "metres",
    "centimeters",
    "kg",
    "gram",
    "grams",
    "lb",
    "lbs",
    "pound",
    "pounds",
    "oz",
    "ounces",
    "sec",
    "seconds",
    "minute",
    "minutes",
    "min",
    "hour",
    "hours",
    "hr",
    "hrs",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "dollar",
    "dollars",
    "cent",
    "cents",
    "usd",
    "unit",
    "units",
    "square",
    "sq",
    "degree",
    "degrees",
    "mph",
    "liter",
    "liters",
    "ml",
    "gallon",
    "gallons",
    "cups",
    "people",
    "students",
    "times",
    "ways",
    "points",
    "percent",
    "pages",
    "radians",
    "eur",
    "euros",
];

/// Whether `phrase` (lower-case) consists only of unit words, e.g. ` cm`, `square units`.
pub fn is_unit_phrase(phrase: &str) -> bool {
    let mut any = false;
    // Compound units (`~m/s^2`, `kg\cdot m`): a power 2 or 3 belongs to its unit, and `/`, `~`,
    // `*` separate unit words.
    let mut stripped = phrase.to_string();
    for p in ["^{2}", "^{3}", "^2", "^3", "\\cdot"] {
        if stripped.contains(p) {
            stripped = stripped.replace(p, " ");
        }
    }
    let seps = |c: char| c.is_whitespace() || ".,~/*".contains(c);
    for w in stripped.split(seps) {
        if w.is_empty() {
            continue;
        }
        if !UNITS.contains(&w) && !UNITS.contains(&w.trim_end_matches('s')) {
            return false;
        }
        any = true;
    }
    any || phrase.trim().is_empty()
}

/// Whether a bare word after an answer is a unit to drop.
pub fn is_bare_unit(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    BARE_UNITS.contains(&lower.as_str())
}

/// The name used for a Greek letter command, or `None`.
pub fn greek(name: &str) -> Option<&'static str> {
    const GREEK: &[&str] = &[
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "varepsilon",
        "zeta",
        "eta",
        "theta",
        "vartheta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "varphi",
        "chi",
        "psi",
        "omega",
        "Gamma",
        "Delta",
        "Theta",
        "Lambda",
        "Xi",
        "Sigma",
        "Phi",
        "Psi",
        "Omega",
    ];
    GREEK.iter().copied().find(|g| *g == name)
}

fn small(word: &str) -> Option<u64> {
    const ONES: &[&str] = &[
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: &[&str] = &[
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    if let Some(k) = ONES.iter().position(|w| *w == word) {
        return Some(k as u64);
    }
    TENS.iter()
        .position(|w| *w == word)
        .map(|k| 20 + 10 * k as u64)
}

/// The multiplier named by `million`, `billion`, `thousand`, ...
pub fn scale(word: &str) -> Option<u64> {
    Some(match word {
        "hundred" => 100,
        "thousand" => 1_000,
        "million" => 1_000_000,
        "billion" => 1_000_000_000,
        "trillion" => 1_000_000_000_000,
        _ => return None,
    })
}

/// The denominator an ordinal names in a fraction (`half`, `thirds`, `quarter`, `eighths`).
fn denominator(word: &str) -> Option<u64> {
    let w = word.strip_suffix('s').unwrap_or(word);
    Some(match w {
        "half" | "halve" => 2,
        "third" => 3,
        "quarter" | "fourth" => 4,
        "fifth" => 5,
        "sixth" => 6,
        "seventh" => 7,
        "eighth" => 8,
        "ninth" => 9,
        "tenth" => 10,
        "twelfth" => 12,
        "hundredth" => 100,
        "thousandth" => 1000,
        _ => return None,
    })
}

/// Reads a fraction in words (`one half`, `a third`, `three quarters`, `two-thirds`,
/// `five eighths`): numerator and denominator.
pub fn fraction_phrase(phrase: &str) -> Option<(u64, u64)> {
    let lower = phrase.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .collect();
    let (last, head) = words.split_last()?;
    let d = denominator(last)?;
    let n = match head {
        [] => return None,
        ["a"] | ["an"] | ["one"] => 1,
        _ => number_phrase(&head.join(" "))?,
    };
    // `one thirds` is not English; `two third` neither: the plural must agree.
    let plural = last.ends_with('s') && !last.ends_with("ss");
    ((n == 1) != plural || *last == "half").then_some((n, d))
}

/// Reads a whole phrase of number words (`twenty-one`, `three hundred five`, `two million`).
pub fn number_phrase(phrase: &str) -> Option<u64> {
    let lower = phrase.to_ascii_lowercase();
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut any = false;
    for w in lower.split(|c: char| c.is_whitespace() || c == '-') {
        if w.is_empty() || w == "and" {
            continue;
        }
        if let Some(v) = small(w) {
            current = current.checked_add(v)?;
        } else if w == "hundred" {
            current = current.max(1).checked_mul(100)?;
        } else if let Some(s) = scale(w) {
            total = total.checked_add(current.max(1).checked_mul(s)?)?;
            current = 0;
        } else {
            return None;
        }
        any = true;
    }
    if any {
        total.checked_add(current)
    } else {
        None
    }
}
