//! The parsed form of an answer: one tree type for scalars and for structured answers.
//!
//! Scalars (numbers, symbols, operators, functions) and structures (tuples, sets, intervals,
//! relations, matrices, text, choice letters) share one enum so that comparison can match on
//! the pair of shapes it is given. `Display` prints the normalized form that goes into a
//! verdict's detail.

use num_rational::BigRational;
use std::fmt;

/// Named functions of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Sin,
    Cos,
    Tan,
    Cot,
    Sec,
    Csc,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Ln,
    Exp,
    Abs,
    Floor,
    Ceil,
}

impl Func {
    /// Looks a function up by its LaTeX or plain name (without backslash).
    pub fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "sin" => Func::Sin,
            "cos" => Func::Cos,
            "tan" | "tg" => Func::Tan,
            "cot" | "ctg" => Func::Cot,
            "sec" => Func::Sec,
            "csc" | "cosec" => Func::Csc,
            "arcsin" | "asin" => Func::Asin,
            "arccos" | "acos" => Func::Acos,
            "arctan" | "atan" => Func::Atan,
            "sinh" => Func::Sinh,
            "cosh" => Func::Cosh,
            "tanh" => Func::Tanh,
            "ln" => Func::Ln,
            "exp" => Func::Exp,
            "abs" => Func::Abs,
            "floor" => Func::Floor,
            "ceil" | "ceiling" => Func::Ceil,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Cot => "cot",
            Func::Sec => "sec",
            Func::Csc => "csc",
            Func::Asin => "asin",
            Func::Acos => "acos",
            Func::Atan => "atan",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
            Func::Tanh => "tanh",
            Func::Ln => "ln",
            Func::Exp => "exp",
            Func::Abs => "abs",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
        }
    }
}

/// Relation operators, in chains such as `1 < x \le 3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rel {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Rel {
    /// The same relation read right to left (`a < b` is `b > a`).
    pub fn flip(self) -> Rel {
        match self {
            Rel::Lt => Rel::Gt,
            Rel::Le => Rel::Ge,
            Rel::Gt => Rel::Lt,
            Rel::Ge => Rel::Le,
            other => other,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Rel::Eq => "=",
            Rel::Ne => "!=",
            Rel::Lt => "<",
            Rel::Le => "<=",
            Rel::Gt => ">",
            Rel::Ge => ">=",
        }
    }
}

/// How the items of a bare list were separated; `or` and `and` lists are solution lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sep {
    Comma,
    Or,
    And,
}

/// A parsed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A number literal. `decimal` marks a finite decimal written with a point (or scientific
    /// notation), which the tolerance policy compares approximately.
    Num {
        val: BigRational,
        decimal: bool,
    },
    /// A variable, e.g. `x`, `x_1`, `alpha`.
    Var(String),
    Pi,
    E,
    I,
    Inf,
    Neg(Box<Node>),
    Add(Vec<Node>),
    Mul(Vec<Node>),
    /// `a / b`; `frac` is true for a `\frac` or `a/b` of two integer literals (strict mode).
    Div(Box<Node>, Box<Node>),
    Pow(Box<Node>, Box<Node>),
    /// `\sqrt[n]{x}`; index 2 for a square root.
    Root(Box<Node>, Box<Node>),
    Fact(Box<Node>),
    Binom(Box<Node>, Box<Node>),
    Func(Func, Box<Node>),
    /// `\log_b x` (base first); `\log x` has base 10 unless written otherwise.
    Log(Box<Node>, Box<Node>),
    /// `a \pm b`: the two values `a + b` and `a - b`.
    PlusMinus(Box<Node>, Box<Node>),
    /// `x\%`: the value is `x / 100`.
    Percent(Box<Node>),
    /// A numeral in another base, `1011_2`, kept as written.
    Based(String),
    /// Words, lower-cased, single-spaced.
    Text(String),
    /// A bracketed ordered list: a point, a vector or an interval. Brackets are `(` `)` `[` `]`.
    Tuple(Vec<Node>, char, char),
    /// A set in braces (unordered).
    Set(Vec<Node>),
    /// A bare list `a, b` or `a or b`: unordered solutions.
    List(Vec<Node>, Sep),
    /// A relation chain `a < b <= c`: `items.len() == ops.len() + 1`.
    Relation(Vec<Node>, Vec<Rel>),
    /// A union of intervals or sets.
    Union(Vec<Node>),
    Matrix(Vec<Vec<Node>>),
    Empty,
}

impl Node {
    /// An integer literal.
    pub fn int(v: i64) -> Node {
        Node::Num {
            val: BigRational::from_integer(v.into()),
            decimal: false,
        }
    }

    /// Whether this is a scalar expression (something that has a numeric value).
    pub fn is_scalar(&self) -> bool {
        !matches!(
            self,
            Node::Text(_)
                | Node::Tuple(..)
                | Node::Set(_)
                | Node::List(..)
                | Node::Relation(..)
                | Node::Union(_)
                | Node::Matrix(_)
                | Node::Empty
                | Node::Based(_)
        )
    }

    /// Depth of the tree, computed with an explicit stack (no recursion).
    pub fn depth(&self) -> usize {
        let mut max = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((n, d)) = stack.pop() {
            max = max.max(d);
            n.for_each_child(|c| stack.push((c, d + 1)));
        }
        max
    }

    /// Calls `f` on every direct child.
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Node)) {
        match self {
            Node::Neg(a) | Node::Fact(a) | Node::Func(_, a) | Node::Percent(a) => f(a),
            Node::Div(a, b)
            | Node::Pow(a, b)
            | Node::Root(a, b)
            | Node::Binom(a, b)
            | Node::Log(a, b)
            | Node::PlusMinus(a, b) => {
                f(a);
                f(b)
            }
            Node::Add(v)
            | Node::Mul(v)
            | Node::Tuple(v, ..)
            | Node::Set(v)
            | Node::List(v, _)
            | Node::Relation(v, _)
            | Node::Union(v) => v.iter().for_each(f),
            Node::Matrix(rows) => rows.iter().flatten().for_each(f),
            _ => {}
        }
    }

    /// Whether any node of the tree satisfies `pred`.
    pub fn any(&self, pred: &impl Fn(&Node) -> bool) -> bool {
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            if pred(n) {
                return true;
            }
            n.for_each_child(|c| stack.push(c));
        }
        false
    }

    /// Whether a decimal literal occurs (the tolerance policy then compares approximately).
    pub fn has_decimal(&self) -> bool {
        self.any(&|n| matches!(n, Node::Num { decimal: true, .. }))
    }

    /// Variable names used, sorted and deduplicated.
    pub fn vars(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            if let Node::Var(v) = n {
                out.push(v.clone());
            }
            n.for_each_child(|c| stack.push(c));
        }
        out.sort();
        out.dedup();
        out
    }
}

fn list(f: &mut fmt::Formatter<'_>, items: &[Node], sep: &str) -> fmt::Result {
    for (k, it) in items.iter().enumerate() {
        if k > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{it}")?;
    }
    Ok(())
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Num { val, .. } => {
                if val.is_integer() {
                    write!(f, "{}", val.numer())
                } else {
                    write!(f, "({}/{})", val.numer(), val.denom())
                }
            }
            Node::Var(v) => f.write_str(v),
            Node::Pi => f.write_str("pi"),
            Node::E => f.write_str("e"),
            Node::I => f.write_str("i"),
            Node::Inf => f.write_str("oo"),
            Node::Neg(a) => write!(f, "(-{a})"),
            Node::Add(v) => {
                f.write_str("(")?;
                list(f, v, " + ")?;
                f.write_str(")")
            }
            Node::Mul(v) => {
                f.write_str("(")?;
                list(f, v, "*")?;
                f.write_str(")")
            }
            Node::Div(a, b) => write!(f, "({a}/{b})"),
            Node::Pow(a, b) => write!(f, "{a}^{b}"),
            Node::Root(n, a) => write!(f, "root({a}, {n})"),
            Node::Fact(a) => write!(f, "{a}!"),
            Node::Binom(a, b) => write!(f, "binomial({a}, {b})"),
            Node::Func(fun, a) => write!(f, "{}({a})", fun.name()),
            Node::Log(b, a) => write!(f, "log({a}, {b})"),
            Node::PlusMinus(a, b) => write!(f, "({a} +- {b})"),
            Node::Percent(a) => write!(f, "{a}%"),
            Node::Based(s) => f.write_str(s),
            Node::Text(s) => write!(f, "\"{s}\""),
            Node::Tuple(v, l, r) => {
                write!(f, "{l}")?;
                list(f, v, ", ")?;
                write!(f, "{r}")
            }
            Node::Set(v) => {
                f.write_str("{")?;
                list(f, v, ", ")?;
                f.write_str("}")
            }
            Node::List(v, sep) => {
                let s = match sep {
                    Sep::Comma => ", ",
                    Sep::Or => " or ",
                    Sep::And => " and ",
                };
                list(f, v, s)
            }
            Node::Relation(items, ops) => {
                for (k, it) in items.iter().enumerate() {
                    if k > 0 {
                        let op = ops.get(k - 1).map_or("?", |o| o.symbol());
                        write!(f, " {op} ")?;
                    }
                    write!(f, "{it}")?;
                }
                Ok(())
            }
            Node::Union(v) => list(f, v, " U "),
            Node::Matrix(rows) => {
                f.write_str("[")?;
                for (k, r) in rows.iter().enumerate() {
                    if k > 0 {
                        f.write_str("; ")?;
                    }
                    list(f, r, ", ")?;
                }
                f.write_str("]")
            }
            Node::Empty => f.write_str("{}"),
        }
    }
}
