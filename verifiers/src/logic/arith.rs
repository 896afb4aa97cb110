//! Exact arithmetic for the number puzzles (`countdown`, `puzzle24`): a recursive-descent parser
//! for `+ - * /` expressions over integer literals, evaluated in exact rationals (never floats,
//! never `eval`), and a search that finds an expression using every given number exactly once.
//!
//! Surface forms read: `×`, `·`, `∗`, `x` between numbers, `÷`, `∕`, `−`, `–`, LaTeX `\times`,
//! `\cdot`, `\div`, `\left(`/`\right)`, `\frac{a}{b}`, and `[..]`/`{..}` as parentheses.

/// Most tokens an expression may have (bounded time).
const MAX_TOKENS: usize = 4_000;
/// Deepest parenthesis nesting accepted (bounded stack).
const MAX_DEPTH: usize = 64;

/// An exact rational `num / den` with `den > 0`, in lowest terms. Operations are checked: an
/// overflow of `i128` is reported, never wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Q {
    pub num: i128,
    pub den: i128,
}

fn gcd(a: i128, b: i128) -> u128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Q {
    pub fn int(n: i128) -> Q {
        Q { num: n, den: 1 }
    }

    fn new(num: i128, den: i128) -> Option<Q> {
        if den == 0 {
            return None;
        }
        // `i128::MIN` has no positive counterpart: treat a gcd that large as an overflow.
        let g = i128::try_from(gcd(num, den).max(1)).ok()?;
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = n.checked_neg()?;
            d = d.checked_neg()?;
        }
        Some(Q { num: n, den: d })
    }

    /// Apply `op` (one of `+ - * /`); `Err` names why (division by zero, overflow).
    pub fn apply(self, op: u8, r: Q) -> Result<Q, &'static str> {
        const OVF: &str = "arithmetic overflow";
        let (a, b, c, d) = (self.num, self.den, r.num, r.den);
        let q = match op {
            b'+' | b'-' => {
                let ad = a.checked_mul(d).ok_or(OVF)?;
                let cb = c.checked_mul(b).ok_or(OVF)?;
                let n = if op == b'+' {
                    ad.checked_add(cb)
                } else {
                    ad.checked_sub(cb)
                };
                Q::new(n.ok_or(OVF)?, b.checked_mul(d).ok_or(OVF)?)
            }
            b'*' => Q::new(a.checked_mul(c).ok_or(OVF)?, b.checked_mul(d).ok_or(OVF)?),
            _ => {
                if c == 0 {
                    return Err("division by zero");
                }
                Q::new(a.checked_mul(d).ok_or(OVF)?, b.checked_mul(c).ok_or(OVF)?)
            }
        };
        q.ok_or(OVF)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Num(u64),
    Op(u8),
    Open,
    Close,
}

/// A parsed and evaluated expression: its value and the literals it used, in order.
#[derive(Debug)]
pub struct Evaluated {
    pub value: Q,
    pub literals: Vec<u64>,
}

/// Tokenize, parse and evaluate `s`. `Err` is a short human-readable cause.
pub fn evaluate(s: &str) -> Result<Evaluated, String> {
    let toks = tokenize(s)?;
    if toks.is_empty() {
        return Err("empty expression".into());
    }
    let mut p = Parser {
        toks: &toks,
        i: 0,
        literals: Vec::new(),
    };
    let value = p.expr(0)?;
    if p.i != toks.len() {
        return Err(format!("unexpected token at position {}", p.i + 1));
    }
    Ok(Evaluated {
        value,
        literals: p.literals,
    })
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    // Open braces: `true` for the numerator of a \frac, `false` for its denominator or a
    // plain grouping brace. A closing numerator brace must be followed by the denominator.
    let mut braces: Vec<u8> = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if out.len() > MAX_TOKENS {
            return Err("expression too long".into());
        }
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i < b.len() && b[i] == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                return Err(format!("non-integer number at byte {start}"));
            }
            let n: u64 = s[start..i]
                .parse()
                .map_err(|_| format!("number too large at byte {start}"))?;
            out.push(Tok::Num(n));
            continue;
        }
        if c == b'\\' {
            let word_end = (i + 1..b.len())
                .find(|&j| !b[j].is_ascii_alphabetic())
                .unwrap_or(b.len());
            let word = &s[i + 1..word_end];
            i = word_end;
            match word {
                "times" | "cdot" | "ast" => out.push(Tok::Op(b'*')),
                "div" => out.push(Tok::Op(b'/')),
                "left" | "right" | "" => {}
                "frac" => {
                    if b.get(i) != Some(&b'{') {
                        return Err("\\frac without braces".into());
                    }
                    i += 1;
                    braces.push(1);
                    out.push(Tok::Open);
                    out.push(Tok::Open);
                }
                _ => return Err(format!("unknown command \\{word}")),
            }
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or('?');
        i += ch.len_utf8();
        let t = match ch {
            '+' => Tok::Op(b'+'),
            '-' | '−' | '–' => Tok::Op(b'-'),
            '*' | '×' | '·' | '∗' | '⋅' => Tok::Op(b'*'),
            'x' | 'X' if matches!(out.last(), Some(Tok::Num(_) | Tok::Close)) => Tok::Op(b'*'),
            '/' | '÷' | '∕' => Tok::Op(b'/'),
            '(' | '[' => Tok::Open,
            ')' | ']' => Tok::Close,
            '{' => {
                braces.push(0);
                Tok::Open
            }
            '}' => match braces.pop() {
                Some(1) => {
                    // End of a \frac numerator: the denominator must follow.
                    while i < b.len() && b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    if b.get(i) != Some(&b'{') {
                        return Err("\\frac without a denominator".into());
                    }
                    i += 1;
                    braces.push(2);
                    out.extend([Tok::Close, Tok::Op(b'/'), Tok::Open]);
                    continue;
                }
                Some(2) => {
                    out.extend([Tok::Close, Tok::Close]);
                    continue;
                }
                _ => Tok::Close,
            },
            _ => return Err(format!("unexpected character {ch:?}")),
        };
        out.push(t);
    }
    Ok(out)
}

struct Parser<'a> {
    toks: &'a [Tok],
    i: usize,
    literals: Vec<u64>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<Tok> {
        self.toks.get(self.i).copied()
    }

    /// expr := term (('+'|'-') term)*
    fn expr(&mut self, depth: usize) -> Result<Q, String> {
        let mut v = self.term(depth)?;
        while let Some(Tok::Op(op @ (b'+' | b'-'))) = self.peek() {
            self.i += 1;
            let r = self.term(depth)?;
            v = v.apply(op, r)?;
        }
        Ok(v)
    }

    /// term := unary (('*'|'/') unary)*
    fn term(&mut self, depth: usize) -> Result<Q, String> {
        let mut v = self.unary(depth)?;
        while let Some(Tok::Op(op @ (b'*' | b'/'))) = self.peek() {
            self.i += 1;
            let r = self.unary(depth)?;
            v = v.apply(op, r)?;
        }
        Ok(v)
    }

    /// unary := '-' unary | atom   (a leading '+' is not accepted)
    fn unary(&mut self, depth: usize) -> Result<Q, String> {
        if self.peek() == Some(Tok::Op(b'-')) {
            self.i += 1;
            let v = self.unary(depth + 1)?;
            return Q::int(0).apply(b'-', v).map_err(String::from);
        }
        self.atom(depth)
    }

    fn atom(&mut self, depth: usize) -> Result<Q, String> {
        if depth > MAX_DEPTH {
            return Err("expression nested too deeply".into());
        }
        match self.peek() {
            Some(Tok::Num(n)) => {
                self.i += 1;
                self.literals.push(n);
                Ok(Q::int(n as i128))
            }
            Some(Tok::Open) => {
                self.i += 1;
                let v = self.expr(depth + 1)?;
                if self.peek() != Some(Tok::Close) {
                    return Err("unbalanced parentheses".into());
                }
                self.i += 1;
                Ok(v)
            }
            Some(_) => Err(format!("unexpected token at position {}", self.i + 1)),
            None => Err("expression ends early".into()),
        }
    }
}

/// Compare the literals used with the given numbers as multisets; `Err` says what differs.
pub fn check_numbers(used: &[u64], given: &[u64]) -> Result<(), String> {
    let mut u = used.to_vec();
    let mut g = given.to_vec();
    u.sort_unstable();
    g.sort_unstable();
    if u == g {
        return Ok(());
    }
    for &n in &u {
        let (cu, cg) = (count(&u, n), count(&g, n));
        if cu > cg {
            return Err(if cg == 0 {
                format!("{n} is not one of the given numbers")
            } else {
                format!("{n} used {cu} times but given {cg} times")
            });
        }
    }
    let missing: Vec<u64> = g
        .iter()
        .copied()
        .filter(|&n| count(&u, n) < count(&g, n))
        .collect();
    Err(format!("given numbers not used: {missing:?}"))
}

fn count(xs: &[u64], n: u64) -> usize {
    xs.iter().filter(|&&x| x == n).count()
}

/// A node of the search: a value and the expression text that makes it.
#[derive(Clone)]
struct Term {
    v: Q,
    text: String,
    /// The top operator of `text` (b'n' for a bare number), to parenthesize minimally.
    op: u8,
}

/// Most numbers the search takes (its working sets live on the stack).
const MAX_SEARCH: usize = 16;

/// One combination step of a solution: operands `i` and `j` of the current list are replaced by
/// `list[i] op list[j]`, appended at the end.
type Step = (usize, usize, u8);

/// Find an expression that uses every number of `numbers` exactly once and equals `target`,
/// visiting at most `budget` combinations. `None` if none is found within the budget.
pub fn solve(numbers: &[u64], target: Q, budget: usize) -> Option<String> {
    if numbers.is_empty() || numbers.len() > MAX_SEARCH {
        return None;
    }
    let mut vals = [Q::int(0); MAX_SEARCH];
    for (v, &n) in vals.iter_mut().zip(numbers) {
        *v = Q::int(n as i128);
    }
    let mut left = budget;
    let mut trail = Vec::new();
    if !search(&vals[..numbers.len()], target, &mut left, &mut trail) {
        return None;
    }
    // Replay the steps on expression texts.
    let mut terms: Vec<Term> = numbers
        .iter()
        .map(|&n| Term {
            v: Q::int(n as i128),
            text: n.to_string(),
            op: b'n',
        })
        .collect();
    for (i, j, op) in trail {
        let (a, b) = (terms[i].clone(), terms[j].clone());
        let v = a.v.apply(op, b.v).ok()?;
        terms = terms
            .into_iter()
            .enumerate()
            .filter(|&(k, _)| k != i && k != j)
            .map(|(_, t)| t)
            .collect();
        terms.push(Term {
            v,
            text: join(&a, op, &b),
            op,
        });
    }
    Some(terms.pop()?.text)
}

/// Depth-first search over values only; on success `trail` holds the steps, outermost first.
fn search(vals: &[Q], target: Q, left: &mut usize, trail: &mut Vec<Step>) -> bool {
    let n = vals.len();
    if n == 1 {
        return vals[0] == target;
    }
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            for op in [b'+', b'-', b'*', b'/'] {
                // `+` and `*` commute: try each unordered pair once.
                if (op == b'+' || op == b'*') && j < i {
                    continue;
                }
                if *left == 0 {
                    return false;
                }
                *left -= 1;
                let Ok(v) = vals[i].apply(op, vals[j]) else {
                    continue;
                };
                let mut next = [Q::int(0); MAX_SEARCH];
                let mut m = 0;
                for (k, &x) in vals.iter().enumerate() {
                    if k != i && k != j {
                        next[m] = x;
                        m += 1;
                    }
                }
                next[m] = v;
                trail.push((i, j, op));
                if search(&next[..m + 1], target, left, trail) {
                    return true;
                }
                trail.pop();
            }
        }
    }
    false
}

/// `a op b` with parentheses only where precedence needs them.
fn join(a: &Term, op: u8, b: &Term) -> String {
    let low = |o: u8| o == b'+' || o == b'-';
    let wrap_a = (op == b'*' || op == b'/') && low(a.op);
    let wrap_b = match op {
        b'+' => false,
        b'-' => low(b.op),
        b'*' => low(b.op),
        _ => b.op != b'n',
    };
    let side = |t: &Term, w: bool| {
        if w {
            format!("({})", t.text)
        } else {
            t.text.clone()
        }
    };
    format!("{} {} {}", side(a, wrap_a), op as char, side(b, wrap_b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(s: &str) -> Q {
        evaluate(s).unwrap().value
    }

    #[test]
    fn precedence_unicode_and_latex() {
        assert_eq!(val("2 + 3 * 4"), Q::int(14));
        assert_eq!(val("(2 + 3) × 4 − 1"), Q::int(19));
        assert_eq!(val("\\frac{8}{3 - 8/3}"), Q::int(24));
        assert_eq!(val("\\left(6 \\div 2\\right) \\cdot 8"), Q::int(24));
        assert_eq!(val("[3 - 1] x 12"), Q::int(24));
        assert_eq!(val("-3 + 27"), Q::int(24));
        assert_eq!(val("7 / 2").den, 2);
    }

    #[test]
    fn extreme_values_do_not_panic() {
        let min = Q {
            num: i128::MIN,
            den: 1,
        };
        assert!(min
            .apply(
                b'/',
                Q {
                    num: i128::MIN,
                    den: 1
                }
            )
            .is_err());
        assert!(min.apply(b'-', Q::int(1)).is_err());
        assert!(Q::int(i128::MAX).apply(b'*', Q::int(2)).is_err());
        let big = "18446744073709551615";
        let e = format!("{big} * {big} * {big} * {big} - {big} * {big} * {big} * {big}");
        // 2^256-sized intermediate values overflow i128: an error, not a panic or a wrap.
        assert!(evaluate(&e).is_err());
    }

    #[test]
    fn rejects_bad_input() {
        for s in [
            "",
            "2 +",
            "(2 + 3",
            "2 ** 3",
            "1.5 * 16",
            "import os",
            "2 3",
        ] {
            assert!(evaluate(s).is_err(), "{s}");
        }
        assert!(evaluate("1/(2-2)").is_err());
        let deep = "(".repeat(200) + "1" + &")".repeat(200);
        assert!(evaluate(&deep).is_err());
    }

    #[test]
    fn solver_finds_exact_rational_solutions() {
        let s = solve(&[3, 3, 8, 8], Q::int(24), 1_000_000).unwrap();
        let e = evaluate(&s).unwrap();
        assert_eq!(e.value, Q::int(24));
        assert!(check_numbers(&e.literals, &[3, 3, 8, 8]).is_ok());
        assert_eq!(solve(&[1, 1, 1, 1], Q::int(24), 1_000_000), None);
    }
}
