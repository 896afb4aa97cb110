//! Shapes of structured answers: vectors from matrices, names and values of equations,
//! one-variable relations as intervals, and the two values of a `\pm`.

use crate::math::node::{Node, Rel, Sep};
use num_traits::Zero;

/// A matrix with one row or one column, as a flat list.
pub(super) fn vector(m: &[Vec<Node>]) -> Option<Vec<Node>> {
    if m.len() == 1 {
        return Some(m[0].clone());
    }
    if m.iter().all(|r| r.len() == 1) {
        return Some(m.iter().map(|r| r[0].clone()).collect());
    }
    None
}

/// A name on the left of `=`: `x`, `y_1`, `f(x)`, an inverse `f^{-1}(x)`.
pub(crate) fn is_name(n: &Node) -> bool {
    match n {
        Node::Var(_) => true,
        Node::Mul(v) => {
            let inverse = |x: &Node| match x {
                Node::Pow(f, e) => {
                    matches!(**f, Node::Var(_))
                        && matches!(&**e, Node::Neg(one) if **one == Node::int(1))
                }
                _ => false,
            };
            let (head, args) = v
                .split_first()
                .map_or((None, &v[..]), |(h, a)| (Some(h), a));
            let head_ok = head.is_some_and(|h| matches!(h, Node::Var(_)) || inverse(h));
            head_ok && !args.is_empty() && args.iter().all(|x| matches!(x, Node::Var(_)))
        }
        _ => false,
    }
}

/// Whether every item is a name and the names are in alphabetical order (`x, y`; `a, b, c`).
fn sorted_names(items: &[Node]) -> bool {
    let names: Vec<String> = items.iter().map(Node::to_string).collect();
    items.iter().all(is_name) && names.windows(2).all(|w| w[0] < w[1])
}

/// `y = 2, x = 3` read against an ordered tuple: assignments are taken positionally only when
/// their names come in alphabetical order, the order a tuple of unknowns is written in.
pub(super) fn assignments_out_of_order(items: &[Node]) -> bool {
    let mut names = Vec::new();
    for it in items {
        match it {
            Node::Relation(v, ops) if ops.as_slice() == [Rel::Eq] && is_name(&v[0]) => {
                names.push(v[0].clone());
            }
            _ => return false,
        }
    }
    !sorted_names(&names)
}

pub(super) fn name_of(items: &[Node]) -> Option<String> {
    match items {
        [l, _] if is_name(l) => Some(l.to_string()),
        [_, r] if is_name(r) => Some(r.to_string()),
        _ => None,
    }
}

/// The value of `name = value` (or `value = name`).
pub(super) fn eq_value(items: &[Node]) -> Option<&Node> {
    match items {
        [l, r] if is_name(l) && !is_name(r) => Some(r),
        [l, r] if is_name(r) && !is_name(l) && l.vars().is_empty() => Some(l),
        [l, r] if is_name(l) && is_name(r) => None,
        // `(a, b) = (2, 3)`: a tuple of names in their usual order, then a tuple of values.
        [Node::Tuple(names, '(', ')'), r @ Node::Tuple(values, '(', ')')]
            if names.len() == values.len() && sorted_names(names) =>
        {
            Some(r)
        }
        _ => None,
    }
}

pub(super) fn difference(items: &[Node]) -> Option<Node> {
    match items {
        [l, r] if l.is_scalar() && r.is_scalar() => {
            Some(Node::Add(vec![l.clone(), Node::Neg(Box::new(r.clone()))]))
        }
        _ => None,
    }
}

pub(super) fn neg_inf() -> Node {
    Node::Neg(Box::new(Node::Inf))
}

pub(super) fn interval(lo: Node, lo_closed: bool, hi: Node, hi_closed: bool) -> Node {
    Node::Tuple(
        vec![lo, hi],
        if lo_closed { '[' } else { '(' },
        if hi_closed { ']' } else { ')' },
    )
}

/// A one-variable relation as a list of intervals (`x > 3` -> `(3, oo)`).
pub(super) fn to_intervals(items: &[Node], ops: &[Rel]) -> Option<Vec<Node>> {
    if ops.len() + 1 != items.len() {
        return None;
    }
    let var_pos: Vec<usize> = (0..items.len())
        .filter(|&k| matches!(items[k], Node::Var(_)))
        .collect();
    if var_pos.len() != 1
        || items
            .iter()
            .enumerate()
            .any(|(k, n)| k != var_pos[0] && !n.vars().is_empty())
    {
        return None;
    }
    match (items.len(), var_pos[0]) {
        (2, p) => {
            let op = if p == 0 { ops[0] } else { ops[0].flip() };
            let a = items[1 - p].clone();
            Some(match op {
                Rel::Lt => vec![interval(neg_inf(), false, a, false)],
                Rel::Le => vec![interval(neg_inf(), false, a, true)],
                Rel::Gt => vec![interval(a, false, Node::Inf, false)],
                Rel::Ge => vec![interval(a, true, Node::Inf, false)],
                Rel::Ne => vec![
                    interval(neg_inf(), false, a.clone(), false),
                    interval(a, false, Node::Inf, false),
                ],
                Rel::Eq => return None,
            })
        }
        (3, 1) => {
            let (o1, o2) = (ops[0], ops[1]);
            let up = |o: Rel| matches!(o, Rel::Lt | Rel::Le);
            let down = |o: Rel| matches!(o, Rel::Gt | Rel::Ge);
            if up(o1) && up(o2) {
                Some(vec![interval(
                    items[0].clone(),
                    o1 == Rel::Le,
                    items[2].clone(),
                    o2 == Rel::Le,
                )])
            } else if down(o1) && down(o2) {
                Some(vec![interval(
                    items[2].clone(),
                    o2 == Rel::Ge,
                    items[0].clone(),
                    o1 == Rel::Ge,
                )])
            } else {
                None
            }
        }
        _ => None,
    }
}

/// An answer read as a list of intervals: an interval, a union, or a relation.
pub(super) fn intervals_of(n: &Node) -> Option<Vec<Node>> {
    match n {
        Node::Tuple(v, ..) if v.len() == 2 => Some(vec![n.clone()]),
        Node::Union(parts) => Some(parts.clone()),
        Node::Relation(items, ops) => to_intervals(items, ops),
        _ => None,
    }
}

/// `a \pm b` anywhere in a scalar: the two values, or `None` when there is no `\pm`.
pub(super) fn pm_alternatives(n: &Node) -> Option<Vec<Node>> {
    if !n.is_scalar() || !n.any(&|x| matches!(x, Node::PlusMinus(..))) {
        return None;
    }
    Some(vec![pm_pick(n, false), pm_pick(n, true)])
}

/// A set or solution list whose items use `\pm`, each such item expanded to its two values
/// (`\{1 \pm \sqrt5, -2\}` has three elements).
pub(super) fn expand_pm_items(n: &Node) -> Option<Node> {
    let (Node::Set(v) | Node::List(v, _)) = n else {
        return None;
    };
    if !v
        .iter()
        .any(|x| matches!(x, Node::PlusMinus(..)) || pm_alternatives(x).is_some())
    {
        return None;
    }
    let mut out = Vec::with_capacity(v.len() + 1);
    for x in v {
        match pm_alternatives(x) {
            Some(two) => out.extend(two),
            None => out.push(x.clone()),
        }
    }
    Some(match n {
        Node::List(_, sep) => Node::List(out, *sep),
        _ => Node::Set(out),
    })
}

pub(super) fn pm_pick(n: &Node, minus: bool) -> Node {
    let b = |x: &Node| Box::new(pm_pick(x, minus));
    match n {
        Node::PlusMinus(a, d) => {
            let d = pm_pick(d, minus);
            let d = if minus { Node::Neg(Box::new(d)) } else { d };
            if matches!(**a, Node::Num { ref val, .. } if val.is_zero()) {
                d
            } else {
                Node::Add(vec![pm_pick(a, minus), d])
            }
        }
        Node::Neg(a) => Node::Neg(b(a)),
        Node::Add(v) => Node::Add(v.iter().map(|x| pm_pick(x, minus)).collect()),
        Node::Mul(v) => Node::Mul(v.iter().map(|x| pm_pick(x, minus)).collect()),
        Node::Div(x, y) => Node::Div(b(x), b(y)),
        Node::Pow(x, y) => Node::Pow(b(x), b(y)),
        Node::Root(x, y) => Node::Root(b(x), b(y)),
        Node::Fact(x) => Node::Fact(b(x)),
        Node::Binom(x, y) => Node::Binom(b(x), b(y)),
        Node::Func(f, x) => Node::Func(*f, b(x)),
        Node::Log(x, y) => Node::Log(b(x), b(y)),
        Node::Percent(x) => Node::Percent(b(x)),
        other => other.clone(),
    }
}

/// A list of one-variable relations (`x < -1 or x > 1`) as the union of their intervals.
pub(super) fn relation_union(n: &Node) -> Option<Vec<Node>> {
    // `x >= 1 and x <= 3` is an intersection, not a union: not read here.
    let Node::List(items, Sep::Or | Sep::Comma) = n else {
        return None;
    };
    let mut out = Vec::new();
    for it in items {
        match it {
            Node::Relation(v, ops) => out.extend(to_intervals(v, ops)?),
            _ => return None,
        }
    }
    Some(out)
}

/// A union of sets (`\{1,2\} \cup \{3\}`) as one set; `None` when a part is not a set.
pub(super) fn union_of_sets(n: &Node) -> Option<Node> {
    let Node::Union(parts) = n else {
        return None;
    };
    let mut items = Vec::new();
    for p in parts {
        match p {
            Node::Set(v) => items.extend(v.iter().cloned()),
            Node::Empty => {}
            _ => return None,
        }
    }
    Some(Node::Set(items))
}

/// `x >= 1 and x <= 3`: two one-sided relations on one variable as their intersection
/// `[1, 3]`. Only the shape with one lower and one upper bound is read.
pub(super) fn relation_intersection(n: &Node) -> Option<Vec<Node>> {
    let Node::List(items, Sep::And) = n else {
        return None;
    };
    let [Node::Relation(a, ao), Node::Relation(b, bo)] = items.as_slice() else {
        return None;
    };
    let (Some(ia), Some(ib)) = (to_intervals(a, ao), to_intervals(b, bo)) else {
        return None;
    };
    let var = |v: &[Node]| v.iter().find(|n| matches!(n, Node::Var(_))).cloned();
    if var(a) != var(b) {
        return None;
    }
    let (Node::Tuple(x, xl, xr), Node::Tuple(y, yl, yr)) = (ia.first()?, ib.first()?) else {
        return None;
    };
    if ia.len() != 1 || ib.len() != 1 {
        return None;
    }
    let is_neg_inf = |n: &Node| matches!(n, Node::Neg(i) if matches!(**i, Node::Inf));
    let is_inf = |n: &Node| matches!(n, Node::Inf);
    // One interval is (lo, oo), the other (-oo, hi).
    let (lower, lower_open, upper, upper_close) = if is_inf(&x[1]) && is_neg_inf(&y[0]) {
        (&x[0], *xl, &y[1], *yr)
    } else if is_inf(&y[1]) && is_neg_inf(&x[0]) {
        (&y[0], *yl, &x[1], *xr)
    } else {
        return None;
    };
    Some(vec![Node::Tuple(
        vec![lower.clone(), upper.clone()],
        lower_open,
        upper_close,
    )])
}
