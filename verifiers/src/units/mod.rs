//! Physical units: read the unit of a quantity in an answer, and convert between units.
//!
//! The math verifier strips a unit; science answers need it compared: `5\text{ cm}` is
//! `50\text{ mm}`, and `5\text{ cm}` is not `5\text{ m}`. [`split_quantity`] splits
//! `6.02 \times 10^{23}\ \text{mol}^{-1}` into its number and its [`Unit`]: the exponents of
//! the seven SI base dimensions (plus the plane angle as an eighth, so degrees convert to
//! radians but an angle is not a percentage) and an exact scale to SI. [`convert`] maps a value
//! between compatible units exactly (big rationals), including the affine temperature scales
//! (a lone `°C` or `°F` is a temperature; inside a compound unit, `J/(mol\cdot°C)`, it is a
//! temperature difference, the same size as a kelvin).
//!
//! The table of units is in [`table`]; `docs/stem.md` lists it. Parsing is a single pass
//! over at most [`MAX_UNIT_LEN`] bytes, with no regular expressions and no recursion deeper
//! than [`MAX_DEPTH`]; nothing here panics on any input.

pub mod number;
pub mod table;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use table::{Def, Temp};

pub use number::{parse_decimal, Decimal};

/// Longest unit text read; longer is not a unit.
pub const MAX_UNIT_LEN: usize = 160;
/// Deepest nesting of parentheses / `\frac` in a unit.
pub const MAX_DEPTH: usize = 8;
/// Largest power applied to one unit factor (`m^{3}` is fine, `m^{99}` is not a unit).
const MAX_POWER: i32 = 12;

/// A unit: dimension exponents (see [`table::DIMS`]) and the exact scale to SI base units,
/// `scale * pi^pi`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub dim: [i8; 8],
    pub scale: BigRational,
    pub pi: i8,
    /// `Some` when the unit is a lone absolute temperature (`K`, `°C`, `°F`), which converts
    /// with an offset; `None` otherwise (a temperature inside a compound unit is a difference).
    pub temp: Option<Temp>,
    /// The unit is exactly `%`.
    pub percent: bool,
}

/// `value_to = value_from * ratio * pi^pi + offset`.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    pub ratio: BigRational,
    pub pi: i8,
    pub offset: BigRational,
}

impl Unit {
    /// The dimensionless unit 1 (a bare number).
    pub fn one() -> Unit {
        Unit {
            dim: [0; 8],
            scale: BigRational::one(),
            pi: 0,
            temp: None,
            percent: false,
        }
    }

    /// Whether this is the dimensionless unit 1 (no unit at all).
    pub fn is_one(&self) -> bool {
        self.dim == [0; 8] && self.scale.is_one() && self.pi == 0
    }

    /// Whether the unit is a plane angle (`rad`, `°`, `mrad`).
    pub fn is_angle(&self) -> bool {
        self.dim == [0, 0, 0, 0, 0, 0, 0, 1]
    }

    fn from_def(def: &Def, prefix: i32) -> Unit {
        let scale = BigRational::new(BigInt::from(def.num), BigInt::from(def.den))
            * number::pow10(def.exp + prefix);
        Unit {
            dim: def.dim,
            scale,
            pi: def.pi,
            temp: None,
            percent: false,
        }
    }

    fn mul_pow(&mut self, other: &Unit, p: i32) -> Option<()> {
        for (a, b) in self.dim.iter_mut().zip(other.dim) {
            let v = i32::from(*a) + i32::from(b) * p;
            *a = i8::try_from(v).ok().filter(|v| v.abs() <= 24)?;
        }
        let s = other.scale.pow(p);
        self.scale *= s;
        let pi = i32::from(self.pi) + i32::from(other.pi) * p;
        self.pi = i8::try_from(pi).ok().filter(|v| v.abs() <= 24)?;
        Some(())
    }

    /// Whether a value in `self` can be converted to `other`: the same dimensions, except that
    /// a radian may appear or vanish in a unit that has other dimensions (`rad/s` is `s^{-1}`,
    /// SI's dimensionless radian), never in a pure angle or a pure ratio (`°` is not `%`).
    pub fn compatible(&self, other: &Unit) -> bool {
        if self.dim == other.dim {
            return true;
        }
        let rest_eq = self.dim[..7] == other.dim[..7];
        let has_rest = self.dim[..7].iter().any(|&d| d != 0);
        rest_eq && has_rest
    }

    /// The factor taking a value in `self` to `other`, or `None` when they are incompatible.
    pub fn factor_to(&self, other: &Unit) -> Option<Factor> {
        if !self.compatible(other) {
            return None;
        }
        let ratio = &self.scale / &other.scale;
        let pi = self.pi.checked_sub(other.pi)?;
        let offset = match (self.temp, other.temp) {
            (Some(a), Some(b)) => (offset_k(a) - offset_k(b)) / &other.scale,
            _ => BigRational::zero(),
        };
        Some(Factor { ratio, pi, offset })
    }
}

/// The kelvin value of 0 on an absolute scale, in kelvin.
fn offset_k(t: Temp) -> BigRational {
    match t {
        Temp::None => BigRational::zero(),
        Temp::Celsius => BigRational::new(BigInt::from(27_315), BigInt::from(100)),
        Temp::Fahrenheit => BigRational::new(BigInt::from(45_967), BigInt::from(180)),
    }
}

/// Converts `value` from one unit to another exactly; `None` when the units are incompatible
/// or the conversion involves `pi` (degrees to radians: use [`convert_f64`]).
pub fn convert(value: &BigRational, from: &Unit, to: &Unit) -> Option<BigRational> {
    let f = from.factor_to(to)?;
    if f.pi != 0 {
        return None;
    }
    Some(value * &f.ratio + &f.offset)
}

/// Converts `value` from one unit to another in double precision; `None` when incompatible.
pub fn convert_f64(value: f64, from: &Unit, to: &Unit) -> Option<f64> {
    let f = from.factor_to(to)?;
    let r = f.ratio.to_f64()? * std::f64::consts::PI.powi(i32::from(f.pi));
    Some(value * r + f.offset.to_f64()?)
}

/// Splits a quantity into its number part (as written, trimmed) and its unit: `5\text{ cm}`,
/// `5 cm`, `5\,\mathrm{cm}`, `6.02 \times 10^{23}\ \text{mol}^{-1}`, `9.8 m/s^2`,
/// `25^\circ C`, `45°`, `12\%`. A bare number has the unit [`Unit::one`]. `None` when the
/// text is not a number followed by a unit (a formula, a variable, prose).
pub fn split_quantity(text: &str) -> Option<(String, Unit)> {
    let t = trim_answer(text);
    if t.is_empty() || t.len() > 2 * MAX_UNIT_LEN {
        return None;
    }
    // `\text{5 cm}`: the whole quantity in one text group.
    if let Some(inner) = whole_group(t) {
        if let Some(r) = split_quantity(inner) {
            return Some(r);
        }
    }
    if is_number_expr(t) {
        return Some((t.to_string(), Unit::one()));
    }
    // The earliest split whose tail is a unit and whose head is a number: the longest unit.
    let b = t.as_bytes();
    for (i, c) in t.char_indices() {
        if i == 0 {
            continue;
        }
        let prev = b[i - 1];
        let start = match c {
            '\\' | '°' | '%' | '^' | '℃' | '℉' | 'Ω' | 'µ' | 'μ' | 'Å' | '(' => true,
            _ if c.is_ascii_alphabetic() => !prev.is_ascii_alphabetic() && prev != b'\\',
            _ => false,
        };
        if !start {
            continue;
        }
        let head = t[..i].trim();
        if !is_number_expr(head) {
            continue;
        }
        if let Some(u) = parse_unit(&t[i..]) {
            return Some((head.to_string(), u));
        }
    }
    None
}

/// Drops what surrounds an answer: spaces, `$`, `\(..\)`, a final period.
fn trim_answer(text: &str) -> &str {
    let mut t = text.trim();
    loop {
        let before = t.len();
        t = t.trim_matches('$').trim();
        if let Some(x) = t.strip_prefix("\\(").and_then(|x| x.strip_suffix("\\)")) {
            t = x.trim();
        }
        if let Some(x) = t.strip_prefix("\\[").and_then(|x| x.strip_suffix("\\]")) {
            t = x.trim();
        }
        if let Some(x) = t.strip_suffix('.') {
            if !x.ends_with(|c: char| c.is_ascii_digit()) {
                t = x.trim();
            }
        }
        if t.len() == before {
            return t;
        }
    }
}

/// `\text{..}` / `\mathrm{..}` / `\mbox{..}` that spans the whole text: its content.
fn whole_group(t: &str) -> Option<&str> {
    for p in ["\\text{", "\\mathrm{", "\\mbox{", "\\textrm{"] {
        if let Some(rest) = t.strip_prefix(p) {
            let close = matching_brace(rest)?;
            if close + 1 == rest.len() {
                return Some(&rest[..close]);
            }
        }
    }
    None
}

/// Index of the `}` that closes a group whose `{` was just before `s`.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Whether `s` is a number written with digits, signs, powers, fractions, roots and `\pi`
/// only (no variable, no unit): the part of a quantity before its unit.
pub fn is_number_expr(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() || s.len() > 2 * MAX_UNIT_LEN {
        return false;
    }
    let b = s.as_bytes();
    let mut has_num = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' {
            let n = b[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count();
            if n == 0 {
                // `\,` `\!` `\ ` `\;`
                match b.get(i + 1) {
                    Some(b',' | b'!' | b' ' | b';' | b':') => {
                        i += 2;
                        continue;
                    }
                    _ => return false,
                }
            }
            let name = &s[i + 1..i + 1 + n];
            match name {
                "pi" => has_num = true,
                "frac" | "dfrac" | "tfrac" | "cfrac" | "sqrt" | "times" | "cdot" | "left"
                | "right" | "quad" | "approx" => {}
                _ => return false,
            }
            i += 1 + n;
            continue;
        }
        if c.is_ascii_digit() {
            has_num = true;
        } else if c == b'e' || c == b'E' {
            // Only as an exponent marker: `6.02e23`, `1E-5`.
            let before = i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.');
            let after = b
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_digit() || *n == b'-' || *n == b'+');
            if !(before && after) {
                return false;
            }
        } else if c == b'x' || c == b'X' {
            // `6.02 x 10^23`: a multiplication sign between numbers.
            let before = s[..i].trim_end().ends_with(|c: char| c.is_ascii_digit());
            let after = s[i + 1..].trim_start().starts_with("10");
            if !(before && after) {
                return false;
            }
        } else if c.is_ascii() {
            if !b"+-.,^{}()[]/* ~$".contains(&c) {
                return false;
            }
        } else {
            let ch = s[i..].chars().next().unwrap_or('?');
            match ch {
                'π' => has_num = true,
                '−' | '×' | '·' | '⋅' | '\u{a0}' | '\u{2009}' | '\u{202f}' => {}
                _ if number::superscript_digit(ch) => {}
                _ => return false,
            }
            i += ch.len_utf8();
            continue;
        }
        i += 1;
    }
    has_num
        && !s.ends_with(['+', '-', '^', '/', '*'])
        && !s.ends_with("\\times")
        && !s.ends_with("\\cdot")
}

/// Tokens of a unit expression.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Pow(i32),
    Mul,
    Div,
    Open,
    Close,
    One,
}

/// Reads a unit expression (`m/s^2`, `\text{kg}\cdot\text{m}^2`, `J\,mol^{-1}\,K^{-1}`,
/// `^\circ C`, `\%`, `kilometers per hour`). `None` when the text is not entirely a unit.
pub fn parse_unit(text: &str) -> Option<Unit> {
    let text = trim_answer(text);
    if text.is_empty() || text.len() > MAX_UNIT_LEN {
        return None;
    }
    let mut toks = Vec::new();
    lex(text, &mut toks, 0)?;
    if toks.is_empty() {
        return None;
    }
    let mut pos = 0;
    let u = parse_product(&toks, &mut pos, 0)?;
    if pos != toks.len() {
        return None;
    }
    Some(u)
}

fn lex(s: &str, out: &mut Vec<Tok>, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH || out.len() > 64 {
        return None;
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = s[i..].chars().next()?;
        let cl = c.len_utf8();
        match c {
            '\\' => {
                let n = b[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .count();
                if n == 0 {
                    match b.get(i + 1) {
                        Some(b',' | b'!' | b' ' | b';' | b':') => i += 2,
                        Some(b'%') => {
                            out.push(Tok::Word("%".into()));
                            i += 2;
                        }
                        _ => return None,
                    }
                    continue;
                }
                let name = &s[i + 1..i + 1 + n];
                i += 1 + n;
                match name {
                    "text" | "mathrm" | "textrm" | "rm" | "mbox" | "operatorname" | "mathit"
                    | "textit" | "mathsf" | "textup" | "mathbf" | "textbf" | "displaystyle"
                    | "left" | "right" | "quad" | "qquad" | "space" | "thinspace" | "big"
                    | "Big" => {}
                    "cdot" | "times" | "bullet" | "ast" => out.push(Tok::Mul),
                    "div" => out.push(Tok::Div),
                    "circ" | "degree" => out.push(Tok::Word("°".into())),
                    "Omega" | "ohm" => {
                        // `k\Omega`: a prefix written just before the symbol joins it.
                        let joined = i > 1 + n && b[i - 2 - n].is_ascii_alphabetic();
                        match out.last_mut() {
                            Some(Tok::Word(w)) if joined => w.push('Ω'),
                            _ => out.push(Tok::Word("Ω".into())),
                        }
                    }
                    "mu" | "micro" => {
                        // `\mu m`, `\mu\text{m}`: a prefix joined to the next word.
                        let rest = s[i..].trim_start_matches([' ', '{']);
                        let rest = rest
                            .strip_prefix("\\text{")
                            .or_else(|| rest.strip_prefix("\\mathrm{"))
                            .unwrap_or(rest);
                        let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
                        if n == 0 {
                            return None;
                        }
                        out.push(Tok::Word(format!("µ{}", &rest[..n])));
                        let consumed = s.len() - rest.len() + n;
                        i = consumed;
                        // Close the group the word may sit in.
                        while s[i..].starts_with('}') {
                            i += 1;
                        }
                    }
                    "AA" => out.push(Tok::Word("Å".into())),
                    "mathring" | "r" => {
                        let rest = s[i..].trim_start();
                        let body = rest.strip_prefix("{A}")?;
                        out.push(Tok::Word("Å".into()));
                        i = s.len() - body.len();
                    }
                    "frac" | "dfrac" | "tfrac" => {
                        let rest = s[i..].trim_start();
                        let a = rest.strip_prefix('{')?;
                        let ea = matching_brace(a)?;
                        let bb = a[ea + 1..].trim_start().strip_prefix('{')?;
                        let eb = matching_brace(bb)?;
                        out.push(Tok::Open);
                        lex(&a[..ea], out, depth + 1)?;
                        out.push(Tok::Close);
                        out.push(Tok::Div);
                        out.push(Tok::Open);
                        lex(&bb[..eb], out, depth + 1)?;
                        out.push(Tok::Close);
                        i = s.len() - (bb.len() - eb - 1);
                    }
                    _ => return None,
                }
            }
            '^' => {
                i += 1;
                let (p, used) = read_power(&s[i..])?;
                i += used;
                out.push(p);
            }
            '{' | '}' | '$' | ' ' | '~' | '\u{a0}' | '\u{2009}' | '\u{202f}' | '\t' => i += cl,
            '/' => {
                out.push(Tok::Div);
                i += 1;
            }
            '*' | '·' | '⋅' | '×' | '•' | '.' => {
                out.push(Tok::Mul);
                i += cl;
            }
            '(' | '[' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' | ']' => {
                out.push(Tok::Close);
                i += 1;
            }
            '%' | '°' | '℃' | '℉' => {
                out.push(Tok::Word(
                    match c {
                        '℃' => "°C",
                        '℉' => "°F",
                        '%' => "%",
                        _ => "°",
                    }
                    .into(),
                ));
                i += cl;
            }
            '1' if !matches!(out.last(), Some(Tok::Word(_)))
                && !s[i + 1..].starts_with(|c: char| c.is_ascii_digit()) =>
            {
                out.push(Tok::One);
                i += 1;
            }
            _ if c.is_ascii_digit() || c == '-' || c == '−' || number::superscript_digit(c) => {
                // `m2`, `s-1`, `m²`: a power written right after a unit word.
                if !matches!(out.last(), Some(Tok::Word(_))) {
                    return None;
                }
                let (p, used) = read_plain_power(&s[i..])?;
                out.push(Tok::Pow(p));
                i += used;
            }
            _ if c.is_alphabetic() || c == 'µ' || c == 'Ω' || c == 'Å' => {
                let start = i;
                while let Some(c) = s[i..].chars().next() {
                    if c.is_alphabetic() || c == 'µ' || c == 'Ω' || c == 'Å' {
                        i += c.len_utf8();
                    } else {
                        break;
                    }
                }
                if s[i..].starts_with('-') && s[i + 1..].starts_with(|c: char| c.is_alphabetic()) {
                    // `electron-volt`
                    i += 1;
                    while let Some(c) = s[i..].chars().next() {
                        if c.is_alphabetic() {
                            i += c.len_utf8();
                        } else {
                            break;
                        }
                    }
                }
                out.push(Tok::Word(s[start..i].to_string()));
            }
            _ => return None,
        }
        if out.len() > 64 {
            return None;
        }
    }
    Some(())
}

/// After `^`: `2`, `-1`, `{-1}`, `{ 2 }`, `\circ`, `{\circ}`, `o` (a degree sign).
fn read_power(s: &str) -> Option<(Tok, usize)> {
    let (inner, used) = if let Some(r) = s.strip_prefix('{') {
        let e = matching_brace(r)?;
        (r[..e].trim(), e + 2)
    } else if s.starts_with("\\circ") {
        ("\\circ", 5)
    } else {
        let t = s.trim_start();
        let skip = s.len() - t.len();
        let sign = usize::from(t.starts_with(['-', '+']));
        let n = t[sign..].bytes().take_while(u8::is_ascii_digit).count();
        let n = if n == 0 && t[sign..].starts_with('o') {
            1
        } else {
            n
        };
        (&t[..sign + n], skip + sign + n)
    };
    match inner {
        "\\circ" | "o" | "\\degree" | "°" => Some((Tok::Word("°".into()), used)),
        _ => {
            let v: i32 = inner.replace(['{', '}', ' '], "").parse().ok()?;
            (v.abs() <= MAX_POWER).then_some((Tok::Pow(v), used))
        }
    }
}

/// A power written without `^`: `2`, `-1`, `²`, `⁻¹`.
fn read_plain_power(s: &str) -> Option<(i32, usize)> {
    let mut v = String::new();
    let mut used = 0;
    for c in s.chars() {
        let d = match c {
            '-' | '−' => '-',
            '0'..='9' => c,
            _ => match number::superscript_char(c) {
                Some(d) => d,
                None => break,
            },
        };
        if d == '-' && !v.is_empty() {
            break;
        }
        v.push(d);
        used += c.len_utf8();
    }
    let p: i32 = v.parse().ok()?;
    (p.abs() <= MAX_POWER).then_some((p, used))
}

/// product := factor ((`*` | `/` | juxtaposition) factor)*; after a `/`, every following
/// factor is in the denominator (`J/mol K` and `J/(mol K)` are the same unit, as chemists
/// write it), until the group closes.
fn parse_product(toks: &[Tok], pos: &mut usize, depth: usize) -> Option<Unit> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut u = Unit::one();
    let mut sign = 1;
    let mut count = 0;
    let mut lone: Option<Temp> = None;
    let mut lone_percent = false;
    let mut pending: i32 = 1; // `square` / `cubic` before a unit
    while *pos < toks.len() {
        match &toks[*pos] {
            Tok::Close => break,
            Tok::Mul => {
                *pos += 1;
                continue;
            }
            Tok::Div => {
                sign = -1;
                *pos += 1;
                continue;
            }
            _ => {}
        }
        let (f, temp, percent) = match &toks[*pos] {
            Tok::Open => {
                *pos += 1;
                let g = parse_product(toks, pos, depth + 1)?;
                if toks.get(*pos) != Some(&Tok::Close) {
                    return None;
                }
                *pos += 1;
                (g, None, false)
            }
            Tok::One => {
                *pos += 1;
                (Unit::one(), None, false)
            }
            Tok::Word(w) => {
                *pos += 1;
                match w.to_ascii_lowercase().as_str() {
                    "per" => {
                        sign = -1;
                        continue;
                    }
                    "square" | "sq" => {
                        pending = 2;
                        continue;
                    }
                    "cubic" => {
                        pending = 3;
                        continue;
                    }
                    _ => {}
                }
                let (mut f, mut temp, percent) = resolve_word(w)?;
                if temp.is_none() && f.dim == [0, 0, 0, 0, 0, 0, 0, 1] && f.pi == 1 {
                    // `°` then `C` / `F` / `Celsius`: a temperature, not an angle.
                    if let Some(Tok::Word(next)) = toks.get(*pos) {
                        let t = match next.as_str() {
                            "C" | "Celsius" | "celsius" => Some("°C"),
                            "F" | "Fahrenheit" | "fahrenheit" => Some("°F"),
                            _ => None,
                        };
                        if let Some(t) = t {
                            *pos += 1;
                            let def = table::symbol(t)?;
                            f = Unit::from_def(&def, 0);
                            temp = Some(def.temp);
                        }
                    }
                }
                (f, temp, percent)
            }
            Tok::Pow(_) | Tok::Mul | Tok::Div | Tok::Close => return None,
        };
        let mut p = pending;
        pending = 1;
        while let Some(Tok::Pow(e)) = toks.get(*pos) {
            p = p.checked_mul(*e)?;
            *pos += 1;
        }
        if let Some(Tok::Word(w)) = toks.get(*pos) {
            match w.to_ascii_lowercase().as_str() {
                "squared" => {
                    p *= 2;
                    *pos += 1;
                }
                "cubed" => {
                    p *= 3;
                    *pos += 1;
                }
                _ => {}
            }
        }
        if p.abs() > MAX_POWER {
            return None;
        }
        count += 1;
        lone = if p == 1 && sign == 1 { temp } else { None };
        lone_percent = percent && p == 1 && sign == 1;
        u.mul_pow(&f, sign * p)?;
    }
    if count == 0 || pending != 1 {
        return None;
    }
    if count == 1 {
        u.temp = lone;
        u.percent = lone_percent;
    }
    Some(u)
}

/// A unit word: a symbol, a prefixed symbol, a name (plural, word prefix), or two symbols
/// written together (`kWh`, `Nm`). Returns the unit, its temperature kind when it is one, and
/// whether it is `%`.
fn resolve_word(w: &str) -> Option<(Unit, Option<Temp>, bool)> {
    if let Some(r) = resolve_symbol(w) {
        return Some(r);
    }
    if let Some(r) = resolve_name(w) {
        return Some(r);
    }
    // Two symbols written together, ASCII only.
    if w.is_ascii() && w.len() <= 8 {
        for k in 1..w.len() {
            if let (Some((a, ..)), Some((b, ..))) =
                (resolve_symbol(&w[..k]), resolve_symbol(&w[k..]))
            {
                let mut u = a;
                u.mul_pow(&b, 1)?;
                return Some((u, None, false));
            }
        }
    }
    None
}

fn temp_of(def: &Def) -> Option<Temp> {
    (def.dim == [0, 0, 0, 0, 1, 0, 0, 0]).then_some(def.temp)
}

fn resolve_symbol(w: &str) -> Option<(Unit, Option<Temp>, bool)> {
    if let Some(def) = table::symbol(w) {
        return Some((Unit::from_def(&def, 0), temp_of(&def), w == "%"));
    }
    for (p, e) in table::PREFIXES {
        if let Some(rest) = w.strip_prefix(p) {
            if let Some(def) = table::symbol(rest).filter(|d| d.prefix) {
                let temp = temp_of(&def);
                return Some((Unit::from_def(&def, *e), temp, false));
            }
        }
    }
    None
}

fn resolve_name(w: &str) -> Option<(Unit, Option<Temp>, bool)> {
    if w.len() > 40 {
        return None;
    }
    let lower = w.to_lowercase();
    let plain = |n: &str| -> Option<&'static str> {
        let cands = [
            Some(n),
            n.strip_suffix('s'),
            n.strip_suffix("es"),
            (n == "feet").then_some("foot"),
        ];
        cands
            .into_iter()
            .flatten()
            .find_map(|c| table::NAMES.iter().find(|(k, _)| *k == c).map(|(_, s)| *s))
    };
    if let Some(sym) = plain(&lower) {
        let def = table::symbol(sym)?;
        return Some((Unit::from_def(&def, 0), temp_of(&def), sym == "%"));
    }
    for (p, e) in table::WORD_PREFIXES {
        if let Some(rest) = lower.strip_prefix(p) {
            if let Some(sym) = plain(rest) {
                let def = table::symbol(sym).filter(|d| d.prefix)?;
                return Some((Unit::from_def(&def, *e), temp_of(&def), false));
            }
        }
    }
    None
}

/// The value of `f.ratio * pi^f.pi` in double precision.
pub fn factor_f64(f: &Factor) -> Option<f64> {
    Some(f.ratio.to_f64()? * std::f64::consts::PI.powi(i32::from(f.pi)))
}

/// Whether a rational is within `tol` of another (both exact).
pub fn within(a: &BigRational, b: &BigRational, tol: &BigRational) -> bool {
    (a - b).abs() <= *tol
}
