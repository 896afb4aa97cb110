//! Propositional formulas for `propositional_logic`: a tolerant lexer (unicode, ASCII, words,
//! LaTeX), a precedence-climbing parser with a depth cap, and bit-parallel truth tables (one bit
//! per assignment, 64 assignments per word), so entailment over n variables costs about
//! 2^n / 64 word operations per connective.

use crate::logic::rng::Rng;

/// Longest formula text accepted, in bytes.
const MAX_FORMULA: usize = 4096;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum F {
    Var(usize),
    Not(Box<F>),
    Bin(Op, Box<F>, Box<F>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Op {
    And,
    Or,
    Imp,
    Iff,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Var(String),
    Not,
    Op(Op),
    Open,
    Close,
}

fn lex(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut rest = s;
    const SYMS: &[(&str, Option<Op>)] = &[
        ("<->", Some(Op::Iff)),
        ("<=>", Some(Op::Iff)),
        ("->", Some(Op::Imp)),
        ("=>", Some(Op::Imp)),
        ("&&", Some(Op::And)),
        ("||", Some(Op::Or)),
        ("/\\", Some(Op::And)),
        ("\\/", Some(Op::Or)),
        ("↔", Some(Op::Iff)),
        ("⇔", Some(Op::Iff)),
        ("≡", Some(Op::Iff)),
        ("→", Some(Op::Imp)),
        ("⇒", Some(Op::Imp)),
        ("⊃", Some(Op::Imp)),
        ("∧", Some(Op::And)),
        ("&", Some(Op::And)),
        ("^", Some(Op::And)),
        ("∨", Some(Op::Or)),
        ("|", Some(Op::Or)),
        ("¬", None),
        ("~", None),
        ("!", None),
    ];
    'outer: while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '(' || c == '[' || c == ')' || c == ']' {
            out.push(if c == '(' || c == '[' {
                Tok::Open
            } else {
                Tok::Close
            });
            rest = &rest[1..];
            continue;
        }
        for (sym, op) in SYMS {
            if let Some(r) = rest.strip_prefix(sym) {
                out.push(op.map_or(Tok::Not, Tok::Op));
                rest = r;
                continue 'outer;
            }
        }
        let latex = c == '\\';
        let body = if latex { &rest[1..] } else { rest };
        let n = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        if n == 0 {
            return None;
        }
        let word = &body[..n];
        rest = &body[n..];
        // A lower-case `v` between formulas is the usual typed stand-in for ∨ (variables are
        // upper case in every generator we know).
        let tok = match word.to_ascii_lowercase().as_str() {
            _ if word == "v" => Tok::Op(Op::Or),
            "and" | "land" | "wedge" => Tok::Op(Op::And),
            "or" | "lor" | "vee" => Tok::Op(Op::Or),
            "not" | "neg" | "lnot" => Tok::Not,
            "implies" | "to" | "rightarrow" | "then" => Tok::Op(Op::Imp),
            "iff" | "leftrightarrow" | "equiv" => Tok::Op(Op::Iff),
            _ if latex => return None,
            _ => Tok::Var(word.to_string()),
        };
        out.push(tok);
    }
    Some(out)
}

struct Parser<'a> {
    toks: &'a [Tok],
    i: usize,
    vars: &'a mut Vec<String>,
    depth: usize,
}

impl Parser<'_> {
    fn bin(&mut self, level: u8) -> Option<F> {
        self.depth += 1;
        if self.depth > 200 {
            return None;
        }
        let r = if level == 4 {
            self.unary()
        } else {
            self.level(level)
        };
        self.depth -= 1;
        r
    }

    fn level(&mut self, level: u8) -> Option<F> {
        let op = [Op::Iff, Op::Imp, Op::Or, Op::And][level as usize];
        let lhs = self.bin(level + 1)?;
        if self.toks.get(self.i) == Some(&Tok::Op(op)) {
            self.i += 1;
            // Right-grouping: P → Q → R is P → (Q → R); ∧ ∨ ↔ are associative anyway.
            let rhs = self.bin(level)?;
            return Some(F::Bin(op, Box::new(lhs), Box::new(rhs)));
        }
        Some(lhs)
    }

    fn unary(&mut self) -> Option<F> {
        match self.toks.get(self.i)? {
            Tok::Not => {
                self.i += 1;
                Some(F::Not(Box::new(self.bin(4)?)))
            }
            Tok::Open => {
                self.i += 1;
                let f = self.bin(0)?;
                (self.toks.get(self.i)? == &Tok::Close).then_some(())?;
                self.i += 1;
                Some(f)
            }
            Tok::Var(v) => {
                self.i += 1;
                let idx = match self.vars.iter().position(|x| x == v) {
                    Some(i) => i,
                    None => {
                        self.vars.push(v.clone());
                        self.vars.len() - 1
                    }
                };
                Some(F::Var(idx))
            }
            _ => None,
        }
    }
}

/// Parse `s`, adding new variable names to `vars`.
pub(super) fn parse(s: &str, vars: &mut Vec<String>) -> Option<F> {
    if s.len() > MAX_FORMULA {
        return None;
    }
    let toks = lex(s)?;
    let mut p = Parser {
        toks: &toks,
        i: 0,
        vars,
        depth: 0,
    };
    let f = p.bin(0)?;
    (p.i == toks.len()).then_some(f)
}

/// Bit `a` of `PATTERNS[i]` is bit `i` of `a`, for the 64 assignments in one word.
const PATTERNS: [u64; 6] = [
    0xAAAA_AAAA_AAAA_AAAA,
    0xCCCC_CCCC_CCCC_CCCC,
    0xF0F0_F0F0_F0F0_F0F0,
    0xFF00_FF00_FF00_FF00,
    0xFFFF_0000_FFFF_0000,
    0xFFFF_FFFF_0000_0000,
];

/// Truth table of `f` over `n` variables: bit `a` of the table is `f` under assignment `a`.
pub(super) fn table(f: &F, n: usize) -> Vec<u64> {
    let rows = 1usize << n;
    let words = rows.div_ceil(64);
    match f {
        F::Var(i) => (0..words)
            .map(|w| match *i {
                i if i < 6 => PATTERNS[i],
                i if (w >> (i - 6)) & 1 == 1 => u64::MAX,
                _ => 0,
            })
            .collect(),
        F::Not(a) => table(a, n).into_iter().map(|x| !x).collect(),
        F::Bin(op, a, b) => {
            let (ta, tb) = (table(a, n), table(b, n));
            ta.iter()
                .zip(&tb)
                .map(|(&x, &y)| match op {
                    Op::And => x & y,
                    Op::Or => x | y,
                    Op::Imp => !x | y,
                    Op::Iff => !(x ^ y),
                })
                .collect()
        }
    }
}

pub(super) fn mask(n: usize) -> Vec<u64> {
    let rows = 1usize << n;
    (0..rows.div_ceil(64))
        .map(|w| {
            if rows - w * 64 >= 64 {
                u64::MAX
            } else {
                (1u64 << (rows - w * 64)) - 1
            }
        })
        .collect()
}

pub(super) fn and_all(ts: &[Vec<u64>], m: &[u64]) -> Vec<u64> {
    let mut acc = m.to_vec();
    for t in ts {
        for (a, x) in acc.iter_mut().zip(t) {
            *a &= x;
        }
    }
    acc
}

pub(super) fn show(f: &F, vars: &[String]) -> String {
    match f {
        F::Var(i) => vars[*i].clone(),
        F::Not(a) => format!("¬{}", show(a, vars)),
        F::Bin(op, a, b) => {
            let s = match op {
                Op::And => "∧",
                Op::Or => "∨",
                Op::Imp => "→",
                Op::Iff => "↔",
            };
            format!("({} {s} {})", show(a, vars), show(b, vars))
        }
    }
}

pub(super) fn random_formula(rng: &mut Rng, n: usize, depth: i64) -> F {
    if depth <= 1 {
        return F::Var(rng.below(n as u64) as usize);
    }
    let pick = rng.below(5);
    let sub = |rng: &mut Rng| Box::new(random_formula(rng, n, depth - 1));
    match pick {
        0 => F::Not(sub(rng)),
        k => {
            let op = [Op::And, Op::Or, Op::Imp, Op::Iff][k as usize - 1];
            let a = sub(rng);
            F::Bin(op, a, sub(rng))
        }
    }
}

pub(super) fn size(f: &F) -> usize {
    match f {
        F::Var(_) => 1,
        F::Not(a) => 1 + size(a),
        F::Bin(_, a, b) => 1 + size(a) + size(b),
    }
}
