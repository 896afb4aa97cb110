//! Equivalent forms that the comparison rewrites into one shape before it compares:
//!
//! - `\sqrt{e^2}` is `|e|` (answers are real unless they say otherwise; numeric testing at
//!   complex points would otherwise tell them apart);
//! - a scalar times a matrix is the matrix of the products (`2\begin{pmatrix}1&0\\0&1\end{pmatrix}`);
//! - an absolute-value inequality with a constant bound is the interval or pair of rays it
//!   describes: `|x| \le 3` is `-3 \le x \le 3`, `|x-1| < 2` is `-1 < x < 3`, `|x| > 2` is
//!   `x < -2` or `x > 2` (for `|a x + b|`, `a` and `b` constants).

use crate::math::node::{Func, Node, Rel, Sep};
use num_rational::BigRational;
use num_traits::{Signed, Zero};

/// Deepest tree the rewrites descend into; deeper subtrees are left as they are.
const MAX_DEPTH: usize = 64;

/// `n` with the rewrites above applied; `None` when none applies.
pub(super) fn rewrite(n: &Node) -> Option<Node> {
    if let Some(r) = abs_relation(n) {
        return Some(r);
    }
    if !applies(n, 0) {
        return None;
    }
    let mut changed = false;
    let out = map(n, 0, &mut changed);
    changed.then_some(out)
}

/// Whether a square root of a square or a product with a matrix is anywhere in `n` (a walk
/// that allocates nothing, so answers without either are not copied).
fn applies(n: &Node, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let any = |v: &[Node]| v.iter().any(|x| applies(x, depth + 1));
    match n {
        Node::Root(index, arg) => {
            (**index == Node::int(2) && matches!(&**arg, Node::Pow(_, e) if **e == Node::int(2)))
                || applies(arg, depth + 1)
        }
        Node::Mul(items) => items.iter().any(|x| matches!(x, Node::Matrix(_))) || any(items),
        Node::Neg(a) | Node::Func(_, a) => applies(a, depth + 1),
        Node::Div(a, b) | Node::Pow(a, b) => applies(a, depth + 1) || applies(b, depth + 1),
        Node::Add(v) | Node::Tuple(v, ..) | Node::Set(v) | Node::List(v, _) => any(v),
        Node::Matrix(rows) => rows.iter().any(|r| any(r)),
        _ => false,
    }
}

/// The node with `sqrt(e^2)` as `|e|` and scalar-times-matrix multiplied out, anywhere in it.
fn map(n: &Node, depth: usize, changed: &mut bool) -> Node {
    if depth > MAX_DEPTH {
        return n.clone();
    }
    let m = |x: &Node, changed: &mut bool| map(x, depth + 1, changed);
    let b = |x: &Node, changed: &mut bool| Box::new(map(x, depth + 1, changed));
    let out = match n {
        Node::Root(index, arg) if **index == Node::int(2) => match &**arg {
            Node::Pow(base, exp) if **exp == Node::int(2) => {
                *changed = true;
                Node::Func(Func::Abs, b(base, changed))
            }
            _ => Node::Root(index.clone(), b(arg, changed)),
        },
        Node::Mul(items) => {
            let items: Vec<Node> = items.iter().map(|x| m(x, changed)).collect();
            match scale_matrix(&items) {
                Some(mat) => {
                    *changed = true;
                    mat
                }
                None => Node::Mul(items),
            }
        }
        Node::Neg(a) => Node::Neg(b(a, changed)),
        Node::Add(items) => Node::Add(items.iter().map(|x| m(x, changed)).collect()),
        Node::Div(a, c) => Node::Div(b(a, changed), b(c, changed)),
        Node::Pow(a, c) => Node::Pow(b(a, changed), b(c, changed)),
        Node::Func(f, a) => Node::Func(*f, b(a, changed)),
        Node::Tuple(v, l, r) => Node::Tuple(v.iter().map(|x| m(x, changed)).collect(), *l, *r),
        Node::Set(v) => Node::Set(v.iter().map(|x| m(x, changed)).collect()),
        Node::List(v, s) => Node::List(v.iter().map(|x| m(x, changed)).collect(), *s),
        Node::Matrix(rows) => Node::Matrix(
            rows.iter()
                .map(|r| r.iter().map(|x| m(x, changed)).collect())
                .collect(),
        ),
        other => other.clone(),
    };
    out
}

/// A product of scalars and exactly one matrix, as the matrix of the products.
fn scale_matrix(items: &[Node]) -> Option<Node> {
    let k = items.iter().position(|x| matches!(x, Node::Matrix(_)))?;
    let others: Vec<&Node> = items
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != k)
        .map(|(_, x)| x)
        .collect();
    if others.is_empty() || !others.iter().all(|x| x.is_scalar()) {
        return None;
    }
    let Node::Matrix(rows) = &items[k] else {
        return None;
    };
    Some(Node::Matrix(
        rows.iter()
            .map(|r| {
                r.iter()
                    .map(|e| {
                        let mut f: Vec<Node> = others.iter().map(|x| (*x).clone()).collect();
                        f.push(e.clone());
                        Node::Mul(f)
                    })
                    .collect()
            })
            .collect(),
    ))
}

/// A constant value: a number literal or its negation.
fn constant(n: &Node) -> Option<BigRational> {
    match n {
        Node::Num { val, .. } => Some(val.clone()),
        Node::Neg(a) => constant(a).map(|v| -v),
        _ => None,
    }
}

fn num(v: BigRational) -> Node {
    if v.is_negative() {
        Node::Neg(Box::new(Node::Num {
            val: -v,
            decimal: false,
        }))
    } else {
        Node::Num {
            val: v,
            decimal: false,
        }
    }
}

/// `a x + b` with constants `a != 0` and `b`: the variable and (a, b).
fn linear(e: &Node) -> Option<(Node, BigRational, BigRational)> {
    let one = || BigRational::from_integer(1.into());
    match e {
        Node::Var(_) => Some((e.clone(), one(), BigRational::zero())),
        Node::Neg(a) => linear(a).map(|(v, a, b)| (v, -a, -b)),
        Node::Mul(items) if items.len() == 2 => {
            let (c, v) = match (constant(&items[0]), constant(&items[1])) {
                (Some(c), None) => (c, &items[1]),
                (None, Some(c)) => (c, &items[0]),
                _ => return None,
            };
            let (var, a, b) = linear(v)?;
            (!c.is_zero()).then(|| (var, a * &c, b * c))
        }
        Node::Add(items) => {
            let mut var: Option<(Node, BigRational, BigRational)> = None;
            let mut shift = BigRational::zero();
            for it in items {
                match constant(it) {
                    Some(c) => shift += c,
                    None if var.is_none() => var = Some(linear(it)?),
                    None => return None,
                }
            }
            let (v, a, b) = var?;
            Some((v, a, b + shift))
        }
        _ => None,
    }
}

/// `|a x + b| REL c` (or `c REL |a x + b|`) as the relation(s) on `x` it means.
fn abs_relation(n: &Node) -> Option<Node> {
    let Node::Relation(items, ops) = n else {
        return None;
    };
    if items.len() != 2 {
        return None;
    }
    let (inner, c, op) = match (&items[0], &items[1]) {
        (Node::Func(Func::Abs, e), c) => (e, constant(c)?, ops[0]),
        (c, Node::Func(Func::Abs, e)) => (e, constant(c)?, ops[0].flip()),
        _ => return None,
    };
    let (var, a, b) = linear(inner)?;
    if !c.is_positive() {
        return None;
    }
    // a x + b in (-c, c): x between (-c - b)/a and (c - b)/a, in increasing order.
    let (mut lo, mut hi) = ((-c.clone() - &b) / &a, (c - &b) / &a);
    if lo > hi {
        std::mem::swap(&mut lo, &mut hi);
    }
    match op {
        Rel::Lt | Rel::Le => Some(Node::Relation(vec![num(lo), var, num(hi)], vec![op, op])),
        Rel::Gt | Rel::Ge => {
            let below = if op == Rel::Gt { Rel::Lt } else { Rel::Le };
            Some(Node::List(
                vec![
                    Node::Relation(vec![var.clone(), num(lo)], vec![below]),
                    Node::Relation(vec![var, num(hi)], vec![op]),
                ],
                Sep::Or,
            ))
        }
        _ => None,
    }
}
