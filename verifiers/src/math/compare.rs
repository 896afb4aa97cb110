//! Type-aware equivalence, cheapest decisive step first.
//!
//! Scalars: exact big-rational value, then the exact rational-function normal form
//! ([`super::poly`]), then randomized numeric testing ([`super::numeric`]) for what the normal
//! form cannot hold. Structures: unordered sets and solution lists, ordered tuples, vectors and
//! intervals (brackets matter), relations <-> intervals both ways, equations up to scaling and
//! side swap (`x = 3` also answers `3`), matrices entrywise, text and letters as words.
//! The tolerance policy lives in [`Cmp::scalar_core`].

use super::budget::Budget;
use super::node::{Node, Rel, Sep};
use super::numeric::{self, Numeric};
use super::poly::{normal_form, PolyErr};
use super::q;
use super::Config;

mod forms;
mod structure;
mod tolerance;

use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use structure::{
    difference, eq_value, expand_pm_items, intervals_of, name_of, pm_alternatives,
    relation_intersection, relation_union, to_intervals, union_of_sets, vector,
};
use tolerance::{exact_at_precision, rational_close};

/// The outcome of comparing two parsed answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Equivalent; the method that decided.
    Equal(&'static str),
    /// Not equivalent; why.
    NotEqual(&'static str),
    /// Could not be decided (budget, or nothing decisive); scored as not correct.
    Undecided(&'static str),
}

impl Decision {
    pub fn is_equal(self) -> bool {
        matches!(self, Decision::Equal(_))
    }
}

/// Tolerance used when numeric testing compares two exact expressions (f64 round-off only).
const EXACT_NUMERIC_TOL: f64 = 1e-10;
/// Most items in a list, set or tuple that are matched pairwise.
const MAX_ITEMS: usize = 64;

/// A comparison session: the policy and the budget shared by every step.
pub struct Cmp<'a> {
    pub cfg: &'a Config,
    pub budget: Budget,
}

impl Cmp<'_> {
    /// Compares a response answer `r` with a gold answer `g`.
    pub fn compare(&mut self, r: &Node, g: &Node) -> Decision {
        if self.budget.charge(1).is_err() {
            return Decision::Undecided("budget_exhausted");
        }
        if r == g {
            return Decision::Equal("identical");
        }
        if let Some(f) = forms::rewrite(r) {
            return self.compare(&f, g);
        }
        if let Some(f) = forms::rewrite(g) {
            return self.compare(r, &f);
        }
        if let Some(set) = union_of_sets(r) {
            return self.compare(&set, g);
        }
        if let Some(set) = union_of_sets(g) {
            return self.compare(r, &set);
        }
        if let Some(alts) = pm_alternatives(r) {
            return self.compare(&Node::List(alts, Sep::Or), g);
        }
        if let Some(alts) = pm_alternatives(g) {
            return self.compare(r, &Node::List(alts, Sep::Or));
        }
        if let Some(e) = expand_pm_items(r) {
            return self.compare(&e, g);
        }
        if let Some(e) = expand_pm_items(g) {
            return self.compare(r, &e);
        }
        match (r, g) {
            (Node::List(v, _) | Node::Set(v), _) if v.len() == 1 => self.compare(&v[0], g),
            (_, Node::List(v, _) | Node::Set(v)) if v.len() == 1 => self.compare(r, &v[0]),
            (Node::Text(a), Node::Text(b)) => text_eq(a, b),
            (Node::Based(a), Node::Based(b)) => bool_dec(a == b, "exact", "value_mismatch"),
            // `101_2` and `101`: the same digits, with and without the base (a question that
            // asks for base 2); never the numeral's decimal value (`5`).
            (
                Node::Based(b),
                Node::Num {
                    val,
                    decimal: false,
                },
            )
            | (
                Node::Num {
                    val,
                    decimal: false,
                },
                Node::Based(b),
            ) => {
                let digits = b.split('_').next().unwrap_or_default();
                let same = val.is_integer() && !val.is_negative() && val.to_string() == digits;
                bool_dec(same, "same_digits", "value_mismatch")
            }
            (Node::Empty, Node::Empty) => Decision::Equal("structure"),
            (Node::Matrix(a), Node::Matrix(b)) => {
                if a.len() != b.len() || a.first().map(Vec::len) != b.first().map(Vec::len) {
                    return Decision::NotEqual("shape_mismatch");
                }
                let fa: Vec<Node> = a.iter().flatten().cloned().collect();
                let fb: Vec<Node> = b.iter().flatten().cloned().collect();
                self.ordered(&fa, &fb)
            }
            (Node::Matrix(m), Node::Tuple(v, '(', ')'))
            | (Node::Tuple(v, '(', ')'), Node::Matrix(m)) => match vector(m) {
                Some(flat) => {
                    if matches!(r, Node::Matrix(_)) {
                        self.ordered(&flat, v)
                    } else {
                        self.ordered(v, &flat)
                    }
                }
                None => Decision::NotEqual("shape_mismatch"),
            },
            (Node::Relation(..), _) | (_, Node::Relation(..)) => self.relation(r, g),
            // `x \le -1 or x \ge 1` against a union of intervals.
            (Node::List(..), Node::Union(_) | Node::Tuple(..))
            | (Node::Union(_) | Node::Tuple(..), Node::List(..))
                if relation_set(r).is_some() || relation_set(g).is_some() =>
            {
                match (
                    relation_set(r).or_else(|| intervals_of(r)),
                    relation_set(g).or_else(|| intervals_of(g)),
                ) {
                    (Some(a), Some(b)) => self.unordered(&a, &b),
                    _ => Decision::NotEqual("type_mismatch"),
                }
            }
            (Node::Tuple(a, l1, r1), Node::Tuple(b, l2, r2)) => {
                if l1 != l2 || r1 != r2 {
                    return Decision::NotEqual("bracket_mismatch");
                }
                self.ordered(a, b)
            }
            (Node::Tuple(a, '(', ')'), Node::List(b, Sep::Comma))
            | (Node::List(a, Sep::Comma), Node::Tuple(b, '(', ')')) => {
                if structure::assignments_out_of_order(a) || structure::assignments_out_of_order(b)
                {
                    return Decision::NotEqual("assignment_order");
                }
                self.ordered(a, b)
            }
            (Node::Set(a) | Node::List(a, _), Node::Set(b) | Node::List(b, _)) => {
                self.unordered(a, b)
            }
            (Node::Union(a), Node::Union(b)) => self.unordered(a, b),
            (Node::Set(_) | Node::List(..), _) if g.is_scalar() => {
                Decision::NotEqual("hedge_or_extra_answers")
            }
            (_, Node::Set(_) | Node::List(..)) if r.is_scalar() => {
                Decision::NotEqual("partial_answer")
            }
            _ if r.is_scalar() && g.is_scalar() => self.scalar(r, g),
            _ => Decision::NotEqual("type_mismatch"),
        }
    }

    fn ordered(&mut self, a: &[Node], b: &[Node]) -> Decision {
        if a.len() != b.len() {
            return Decision::NotEqual("wrong_count");
        }
        for (x, y) in a.iter().zip(b) {
            let d = self.compare(x, y);
            if !d.is_equal() {
                return d;
            }
        }
        Decision::Equal("structure")
    }

    /// Multiset matching; greedy is enough because equivalence is transitive.
    fn unordered(&mut self, a: &[Node], b: &[Node]) -> Decision {
        if a.len() != b.len() {
            return Decision::NotEqual("wrong_count");
        }
        if a.len() > MAX_ITEMS {
            return Decision::Undecided("too_many_items");
        }
        let mut used = vec![false; b.len()];
        for x in a {
            let mut found = false;
            for (k, y) in b.iter().enumerate() {
                if used[k] {
                    continue;
                }
                match self.compare(x, y) {
                    Decision::Equal(_) => {
                        used[k] = true;
                        found = true;
                        break;
                    }
                    Decision::Undecided("budget_exhausted") => {
                        return Decision::Undecided("budget_exhausted")
                    }
                    _ => {}
                }
            }
            if !found {
                return Decision::NotEqual("set_mismatch");
            }
        }
        Decision::Equal("structure")
    }

    fn relation(&mut self, r: &Node, g: &Node) -> Decision {
        match (r, g) {
            (Node::Relation(ri, ro), Node::Relation(gi, go)) => {
                if ro == &[Rel::Eq] && go == &[Rel::Eq] {
                    return self.equations(ri, gi);
                }
                if let (Some(a), Some(b)) = (to_intervals(ri, ro), to_intervals(gi, go)) {
                    return self.unordered(&a, &b);
                }
                if ri.len() != gi.len() {
                    return Decision::NotEqual("relation_mismatch");
                }
                if ro == go {
                    return self.ordered(ri, gi);
                }
                let flipped: Vec<Rel> = go.iter().rev().map(|o| o.flip()).collect();
                if *ro == flipped {
                    let rev: Vec<Node> = gi.iter().rev().cloned().collect();
                    return self.ordered(ri, &rev);
                }
                Decision::NotEqual("relation_mismatch")
            }
            (Node::Relation(items, ops), other) | (other, Node::Relation(items, ops)) => {
                let rel_is_response = matches!(r, Node::Relation(..));
                let all_constant = items.iter().all(|v| v.vars().is_empty());
                if ops.iter().all(|o| *o == Rel::Eq)
                    && other.is_scalar()
                    && (ops.len() > 1 || all_constant)
                {
                    // `x = \frac12 = 0.5`: every stated value must be the answer.
                    let start = usize::from(structure::is_name(&items[0]));
                    let values = &items[start..];
                    if values.iter().any(|v| !v.vars().is_empty()) {
                        return Decision::NotEqual("type_mismatch");
                    }
                    for v in values {
                        let d = if rel_is_response {
                            self.compare(v, other)
                        } else {
                            self.compare(other, v)
                        };
                        if !d.is_equal() {
                            return d;
                        }
                    }
                    return Decision::Equal("structure");
                }
                if ops == &[Rel::Eq] {
                    let Some(v) = eq_value(items) else {
                        return Decision::NotEqual("type_mismatch");
                    };
                    let v = v.clone();
                    return if rel_is_response {
                        self.compare(&v, other)
                    } else {
                        self.compare(other, &v)
                    };
                }
                let (Some(ints), Some(other_ints)) =
                    (to_intervals(items, ops), intervals_of(other))
                else {
                    return Decision::NotEqual("type_mismatch");
                };
                if rel_is_response {
                    self.unordered(&ints, &other_ints)
                } else {
                    self.unordered(&other_ints, &ints)
                }
            }
            _ => Decision::NotEqual("type_mismatch"),
        }
    }

    /// `l1 = r1` vs `l2 = r2`: same named left side and equal values, or `l - r` proportional.
    fn equations(&mut self, a: &[Node], b: &[Node]) -> Decision {
        if let (Some(va), Some(vb)) = (eq_value(a), eq_value(b)) {
            let (va, vb) = (va.clone(), vb.clone());
            let (na, nb) = (name_of(a), name_of(b));
            if na.is_some() && na == nb {
                return self.compare(&va, &vb);
            }
        }
        let (Some(da), Some(db)) = (difference(a), difference(b)) else {
            return Decision::NotEqual("type_mismatch");
        };
        let tol = if da.has_decimal() || db.has_decimal() {
            self.cfg.rel_tol
        } else {
            EXACT_NUMERIC_TOL
        };
        if da.vars() != db.vars() {
            return Decision::NotEqual("equation_mismatch");
        }
        match numeric::proportional(&da, &db, tol, &mut self.budget) {
            Ok(Numeric::Equal) => Decision::Equal("equation_scaling"),
            Ok(Numeric::NotEqual) => Decision::NotEqual("equation_mismatch"),
            Ok(Numeric::Unknown) => Decision::Undecided("undecided"),
            Err(_) => Decision::Undecided("budget_exhausted"),
        }
    }

    fn scalar(&mut self, r: &Node, g: &Node) -> Decision {
        if self.cfg.strict && r.any(&is_unreduced_fraction) {
            return Decision::NotEqual("unreduced_fraction");
        }
        let has_inf = |n: &Node| n.any(&|x| matches!(x, Node::Inf));
        if has_inf(r) || has_inf(g) {
            return match (inf_sign(r), inf_sign(g)) {
                (Some(a), Some(b)) => bool_dec(a == b, "exact", "value_mismatch"),
                _ => Decision::NotEqual("value_mismatch"),
            };
        }
        let d = self.scalar_core(r, g);
        if d.is_equal() || !(is_percent(r) || is_percent(g)) {
            return d;
        }
        // Either side carries `%`: the numbers as written may match too (`10\%` vs `10`).
        match self.scalar_core(strip_percent(r), strip_percent(g)) {
            Decision::Equal(_) => Decision::Equal("percent"),
            _ => d,
        }
    }

    /// Whether `n` has a rational value.
    fn rational(&mut self, n: &Node) -> bool {
        normal_form(n, &mut self.budget).is_ok_and(|f| f.as_rational().is_some())
    }

    /// Whether `n` is `f(q)` for a rational `q` where `f(q)` is transcendental, hence never
    /// equal to a rational, however close doubles say it is (`\sin(10^{-20})` vs
    /// `10^{-20}`): by Lindemann-Weierstrass, sin, cos, tan, exp, sinh, cosh, tanh, arcsin and
    /// arctan of a nonzero algebraic number, and the logarithm of a positive rational other
    /// than 1, are transcendental.
    fn transcendental(&mut self, n: &Node) -> bool {
        use super::node::Func::*;
        let Node::Func(f, arg) = n else {
            return false;
        };
        let Ok(q) = normal_form(arg, &mut self.budget) else {
            return false;
        };
        let Some(q) = q.as_rational() else {
            return false;
        };
        match f {
            Sin | Cos | Tan | Exp | Sinh | Cosh | Tanh | Asin | Atan => !q.is_zero(),
            Ln => q.is_positive() && !q.is_one(),
            _ => false,
        }
    }

    /// The tolerance policy. Exact vs exact: exactly equal. A decimal on either side: relative
    /// `rel_tol`. Never an absolute epsilon.
    fn scalar_core(&mut self, r: &Node, g: &Node) -> Decision {
        let decimal = r.has_decimal() || g.has_decimal();
        let tol = if decimal {
            self.cfg.rel_tol
        } else {
            EXACT_NUMERIC_TOL
        };
        // Rational literals (`3`, `-\frac{2}{4}`, `1.5`): their values directly, the same
        // decision the normal form below would reach, without building polynomials.
        if let (Some(x), Some(y)) = (small_rational(r, &mut 0), small_rational(g, &mut 0)) {
            if x == y {
                return Decision::Equal("exact");
            }
            if decimal && rational_close(&x, &y, tol) && !exact_at_precision(r, g, &x, &y, tol) {
                return Decision::Equal("tolerance");
            }
            return Decision::NotEqual("value_mismatch");
        }
        match (
            normal_form(r, &mut self.budget),
            normal_form(g, &mut self.budget),
        ) {
            (Ok(a), Ok(b)) => {
                if let (Some(x), Some(y)) = (a.as_rational(), b.as_rational()) {
                    if x == y {
                        return Decision::Equal("exact");
                    }
                    if decimal
                        && rational_close(&x, &y, tol)
                        && !exact_at_precision(r, g, &x, &y, tol)
                    {
                        return Decision::Equal("tolerance");
                    }
                    return Decision::NotEqual("value_mismatch");
                }
                match a.equals(&b, &mut self.budget) {
                    Ok(true) => return Decision::Equal("normal_form"),
                    Ok(false) if !decimal => return Decision::NotEqual("value_mismatch"),
                    Ok(false) => {}
                    Err(PolyErr::Budget) => return Decision::Undecided("budget_exhausted"),
                    Err(_) => {}
                }
            }
            (Err(PolyErr::Budget), _) | (_, Err(PolyErr::Budget)) => {
                return Decision::Undecided("budget_exhausted")
            }
            _ => {}
        }
        if !decimal
            && ((self.rational(r) && self.transcendental(g))
                || (self.rational(g) && self.transcendental(r)))
        {
            return Decision::NotEqual("transcendental_vs_rational");
        }
        match numeric::identical(r, g, tol, !decimal, &mut self.budget) {
            Ok(Numeric::Equal) => Decision::Equal(if decimal { "tolerance" } else { "numeric" }),
            Ok(Numeric::NotEqual) => Decision::NotEqual("value_mismatch"),
            Ok(Numeric::Unknown) => Decision::Undecided("undecided"),
            Err(_) => Decision::Undecided("budget_exhausted"),
        }
    }
}

/// The exact value of a small tree of small rational literals under `+ - * /` (at most 16
/// nodes, literals of at most 64 bits), or `None`. The arithmetic keeps values reduced, as the
/// normal form does.
fn small_rational(n: &Node, nodes: &mut u32) -> Option<BigRational> {
    *nodes += 1;
    if *nodes > 16 {
        return None;
    }
    match n {
        Node::Num { val, .. } => {
            (val.numer().bits() <= 64 && val.denom().bits() <= 64).then(|| val.clone())
        }
        Node::Neg(a) => small_rational(a, nodes).map(|v| -v),
        Node::Add(items) => {
            let mut acc = BigRational::zero();
            for it in items {
                acc = q::add(&acc, &small_rational(it, nodes)?);
            }
            Some(acc)
        }
        Node::Mul(items) => {
            let mut acc = BigRational::one();
            for it in items {
                acc = q::mul(&acc, &small_rational(it, nodes)?);
            }
            Some(acc)
        }
        Node::Div(a, b) => q::div(&small_rational(a, nodes)?, &small_rational(b, nodes)?),
        _ => None,
    }
}

fn bool_dec(ok: bool, yes: &'static str, no: &'static str) -> Decision {
    if ok {
        Decision::Equal(yes)
    } else {
        Decision::NotEqual(no)
    }
}

fn text_eq(a: &str, b: &str) -> Decision {
    let norm = |s: &str| -> String {
        let s = s.trim().trim_end_matches('.');
        ["the ", "a ", "an "]
            .iter()
            .find_map(|a| s.strip_prefix(a))
            .unwrap_or(s)
            .to_string()
    };
    bool_dec(norm(a) == norm(b), "text", "text_mismatch")
}

fn is_unreduced_fraction(n: &Node) -> bool {
    if let Node::Div(a, b) = n {
        if let (
            Node::Num {
                val: x,
                decimal: false,
            },
            Node::Num {
                val: y,
                decimal: false,
            },
        ) = (&**a, &**b)
        {
            if x.is_integer() && y.is_integer() {
                let (x, y) = (x.to_integer(), y.to_integer());
                return y.abs().is_one() || !x.gcd(&y).is_one();
            }
        }
    }
    false
}

fn inf_sign(n: &Node) -> Option<i8> {
    match n {
        Node::Inf => Some(1),
        Node::Neg(x) => inf_sign(x).map(|s| -s),
        Node::Add(v) if v.len() == 1 => inf_sign(&v[0]),
        _ => None,
    }
}

fn is_percent(n: &Node) -> bool {
    match n {
        Node::Percent(_) => true,
        Node::Neg(x) => is_percent(x),
        _ => false,
    }
}

fn strip_percent(n: &Node) -> &Node {
    match n {
        Node::Percent(x) => x,
        other => other,
    }
}

/// A list of one-variable relations as intervals: `or` / comma lists are unions, a two-sided
/// `and` is an intersection.
fn relation_set(n: &Node) -> Option<Vec<Node>> {
    relation_union(n).or_else(|| relation_intersection(n))
}
