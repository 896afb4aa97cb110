//! Chemical formulas, compared as written up to whitespace and subscript markup.
//!
//! `H_2O`, `H2O`, `H_{2}O`, `\mathrm{H_2O}`, `\ce{H2O}`, `H₂O` and `\text{H}_2\text{O}` are one
//! formula; `HO2`, `H2O2` and `OH2` are others (element order is part of what was written).
//! Hydrate dots (`\cdot`, `·`, `*`) are one mark; charges (`^{2-}`, `^{-2}`, `^2-`, `²⁻`) are
//! read as count then sign, and `^{1-}` is `^-`. Every symbol must be a real element, so prose
//! and variables are not formulas.

/// The 118 element symbols.
const ELEMENTS: &[&str] = &[
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl",
    "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As",
    "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In",
    "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb",
    "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl",
    "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk",
    "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh",
    "Fl", "Mc", "Lv", "Ts", "Og", "D",
];

/// Longest formula read.
const MAX_LEN: usize = 200;

/// A formula's key: the formula with markup removed, or `None` when `s` is not a formula.
/// Also returns how many element symbols it has.
pub fn key(s: &str) -> Option<(String, usize)> {
    let s = s.trim().trim_matches('$').trim();
    if s.is_empty() || s.len() > MAX_LEN {
        return None;
    }
    let flat = flatten(s)?;
    let charge_at = flat.find('^');
    let (body, charge) = match charge_at {
        Some(k) => (&flat[..k], Some(charge(&flat[k + 1..])?)),
        None => (&flat[..], None),
    };
    let (body, charge) = match charge {
        Some(c) => (body.to_string(), c),
        // `SO4 2-` is not read; a trailing bare sign is a charge: `Na+`, `Cl-`.
        None => match body.strip_suffix(['+', '-']) {
            Some(b) => (b.to_string(), body[b.len()..].to_string()),
            None => (body.to_string(), String::new()),
        },
    };
    let n = elements(&body)?;
    Some((
        format!("{body}{}", if charge.is_empty() { "" } else { "^" }) + &charge,
        n,
    ))
}

/// Removes markup: wrappers, braces, underscores, spaces; unicode subscripts and superscripts
/// become digits and `^`.
fn flatten(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    let mut in_sup = false;
    while i < s.len() {
        let c = s[i..].chars().next()?;
        let cl = c.len_utf8();
        if c == '\\' {
            let n = b[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count();
            let name = &s[i + 1..i + 1 + n];
            match name {
                "ce" | "mathrm" | "text" | "textrm" | "rm" | "mathbf" | "textbf" | "mbox"
                | "left" | "right" => {}
                "cdot" | "bullet" | "times" => out.push('·'),
                "" => match b.get(i + 1) {
                    Some(b',' | b' ' | b';' | b'!') => i += 1,
                    _ => return None,
                },
                _ => return None,
            }
            i += 1 + n;
            in_sup = false;
            continue;
        }
        let sub = "₀₁₂₃₄₅₆₇₈₉".chars().position(|x| x == c);
        let sup = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻".chars().position(|x| x == c);
        if let Some(d) = sub {
            out.push(char::from(b'0' + d as u8));
        } else if let Some(d) = sup {
            if !in_sup {
                out.push('^');
                in_sup = true;
            }
            out.push(match d {
                10 => '+',
                11 => '-',
                d => char::from(b'0' + d as u8),
            });
            i += cl;
            continue;
        } else {
            match c {
                '{' | '}' | '_' | ' ' | '~' => {}
                '·' | '•' | '⋅' | '*' => out.push('·'),
                '−' => out.push('-'),
                '.' if out.ends_with(|c: char| c.is_ascii_alphanumeric() || c == ')') => {
                    out.push('·')
                }
                _ if c.is_ascii_alphanumeric() || "()[]^+-".contains(c) => out.push(c),
                _ => return None,
            }
        }
        in_sup = false;
        i += cl;
    }
    Some(out)
}

/// A charge as count then sign: `2-`, `-2` and `{2-}` are `2-`; `1-` and `-` are `-`.
fn charge(s: &str) -> Option<String> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let signs: Vec<char> = s.chars().filter(|c| *c == '+' || *c == '-').collect();
    if signs.len() != 1 || digits.len() + 1 != s.len() || digits.len() > 2 {
        return None;
    }
    let digits = if digits == "1" { String::new() } else { digits };
    Some(format!("{digits}{}", signs[0]))
}

/// Checks the body is element symbols, counts, brackets and hydrate dots; the number of
/// element symbols.
fn elements(body: &str) -> Option<usize> {
    let b = body.as_bytes();
    let mut i = 0;
    let mut n = 0;
    let mut depth = 0i32;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_uppercase() {
            let two = b.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let sym = &body[i..i + 1 + usize::from(two)];
            if !ELEMENTS.contains(&sym) {
                return None;
            }
            n += 1;
            i += sym.len();
            continue;
        }
        match c {
            b'0'..=b'9' => {}
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            _ if body[i..].starts_with('·') => {
                i += '·'.len_utf8();
                continue;
            }
            _ => return None,
        }
        i += 1;
    }
    (depth == 0 && n > 0).then_some(n)
}

/// Whether a gold is to be compared as a formula: it reads as one, and it is not a lone
/// letter or a run of choice letters (`C`, `AB`), nor a bare element without a count written
/// as one capital (`N` could be a unit or a letter).
pub fn gold_key(s: &str) -> Option<String> {
    let (k, n) = key(s)?;
    let has_digit = k.bytes().any(|c| c.is_ascii_digit());
    let has_lower = k.bytes().any(|c| c.is_ascii_lowercase());
    let choice_letters = k.bytes().all(|c| (b'A'..=b'J').contains(&c));
    if choice_letters || !(has_digit || has_lower || n >= 2) {
        return None;
    }
    Some(k)
}
