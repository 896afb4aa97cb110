//! Parser: tokens to a [`Node`] tree (precedence climbing over the lexer's tokens).
//!
//! Levels, loosest first: lists (`,` `;` `or` `and`), relations (`=` `<` `\le` .. chains and
//! `\in`), unions (`\cup`), sums (`+ - \pm`), products (`* / \cdot`, implicit multiplication,
//! mixed numbers), unary signs, powers (right-associative), postfix (`!` `%`), primaries.
//! Recursion is bounded by [`MAX_DEPTH`]; a failure is an `Err` with a short reason.

use super::budget::MAX_DEPTH;
use super::lex::{lex, Tok};
use super::node::{Node, Sep};
use super::words;

mod primary;
mod text;

use num_traits::{One, Zero};
use text::{as_text, drop_units, split_letters};

type PResult<T> = Result<T, String>;

/// Parses an answer string (already extracted from a response, or a gold answer).
pub fn parse(src: &str) -> PResult<Node> {
    let toks = lex(src)?;
    let toks = drop_units(toks);
    if toks.is_empty() {
        return Err("empty".into());
    }
    if let Some(text) = as_text(&toks) {
        return Ok(text);
    }
    let toks = split_letters(toks);
    let has_choose = toks.contains(&Tok::Choose);
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        in_fn: 0,
        has_choose,
    };
    let node = p.list()?;
    if p.pos < p.toks.len() {
        return Err(format!("unexpected {:?}", p.toks[p.pos]));
    }
    if node.depth() > 4 * MAX_DEPTH {
        return Err("nested too deep".into());
    }
    Ok(node)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
    /// Inside the argument of a trig function (degree signs convert to radians there).
    in_fn: usize,
    /// Whether any `\choose` occurs (brace groups look ahead for one only then).
    has_choose: bool,
}

fn starts_primary(t: &Tok) -> bool {
    match t {
        Tok::Num(..)
        | Tok::Ident(_)
        | Tok::Pi
        | Tok::LParen
        | Tok::LBrace
        | Tok::Inf
        | Tok::Langle
        | Tok::Begin(_) => true,
        Tok::Cmd(_) => true,
        Tok::Word(w) => {
            let l = w.to_ascii_lowercase();
            l != "and" && l != "or" && words::scale(&l).is_none()
        }
        _ => false,
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok) -> PResult<()> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(format!("expected {t:?}"))
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("nested too deep".into());
        }
        Ok(())
    }

    fn sep(&self) -> Option<Sep> {
        match self.peek()? {
            Tok::Comma | Tok::Semi => Some(Sep::Comma),
            Tok::Sep(s) => Some(*s),
            Tok::Word(w) if w.eq_ignore_ascii_case("or") => Some(Sep::Or),
            Tok::Word(w) if w.eq_ignore_ascii_case("and") => Some(Sep::And),
            _ => None,
        }
    }

    /// Top level: items separated by commas, `or`, `and`.
    fn list(&mut self) -> PResult<Node> {
        let mut items = Vec::new();
        let mut kind = Sep::Comma;
        loop {
            while let Some(s) = self.sep() {
                if s != Sep::Comma {
                    kind = s;
                }
                self.pos += 1;
            }
            if self.peek().is_none() {
                break;
            }
            items.push(self.relation()?);
            if self.sep().is_none() {
                break;
            }
        }
        match items.len() {
            0 => Err("empty".into()),
            1 => Ok(items.pop().unwrap_or(Node::Empty)),
            _ => Ok(Node::List(items, kind)),
        }
    }

    fn relation(&mut self) -> PResult<Node> {
        let first = self.union()?;
        let mut items = vec![first];
        let mut ops = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Rel(r)) => {
                    let r = *r;
                    self.pos += 1;
                    ops.push(r);
                    items.push(self.union()?);
                }
                Some(Tok::In) => {
                    self.pos += 1;
                    let set = self.union()?;
                    if ops.is_empty() && matches!(items[0], Node::Var(_)) {
                        return Ok(set);
                    }
                    return Err("membership in a chain".into());
                }
                _ => break,
            }
        }
        if ops.is_empty() {
            return Ok(items.pop().unwrap_or(Node::Empty));
        }
        Ok(Node::Relation(items, ops))
    }

    fn union(&mut self) -> PResult<Node> {
        let first = self.additive()?;
        if self.peek() != Some(&Tok::Cup) {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.eat(&Tok::Cup) {
            parts.push(self.additive()?);
        }
        Ok(Node::Union(parts))
    }

    fn additive(&mut self) -> PResult<Node> {
        let mut terms = vec![self.term()?];
        let mut pm: Option<Node> = None;
        loop {
            match self.peek() {
                Some(Tok::Plus) => {
                    self.pos += 1;
                    terms.push(self.term()?);
                }
                Some(Tok::Minus) => {
                    self.pos += 1;
                    terms.push(Node::Neg(Box::new(self.term()?)));
                }
                Some(Tok::Pm) | Some(Tok::Mp) => {
                    self.pos += 1;
                    if pm.is_some() {
                        return Err("two \\pm in one sum".into());
                    }
                    pm = Some(self.term()?);
                }
                _ => break,
            }
        }
        let sum = if terms.len() == 1 {
            terms.pop().unwrap_or(Node::Empty)
        } else {
            Node::Add(terms)
        };
        Ok(match pm {
            Some(d) => Node::PlusMinus(Box::new(sum), Box::new(d)),
            None => sum,
        })
    }

    fn term(&mut self) -> PResult<Node> {
        let mut acc = self.unary()?;
        loop {
            match self.peek() {
                Some(Tok::Star) => {
                    self.pos += 1;
                    let rhs = self.unary()?;
                    acc = mul(acc, rhs);
                }
                Some(Tok::Slash) => {
                    self.pos += 1;
                    let rhs = self.unary()?;
                    acc = Node::Div(Box::new(acc), Box::new(rhs));
                }
                Some(t) if starts_primary(t) => {
                    // Two numbers side by side (`1 2`) are not a product.
                    if matches!(t, Tok::Num(..))
                        && matches!(self.toks.get(self.pos - 1), Some(Tok::Num(..)))
                    {
                        return Err("two numbers in a row".into());
                    }
                    let frac_next = matches!(t, Tok::Cmd("frac"));
                    let rhs = self.power()?;
                    if frac_next && is_int_literal(&acc) && is_int_fraction(&rhs) {
                        acc = Node::Add(vec![acc, rhs]); // mixed number 2\frac12
                    } else if let (true, Node::Neg(whole)) =
                        (frac_next && is_int_fraction(&rhs), &acc)
                    {
                        if is_int_literal(whole) {
                            acc = Node::Neg(Box::new(Node::Add(vec![(**whole).clone(), rhs])));
                        } else {
                            acc = mul(acc, rhs);
                        }
                    } else {
                        acc = mul(acc, rhs);
                    }
                }
                _ => return Ok(acc),
            }
        }
    }

    fn unary(&mut self) -> PResult<Node> {
        match self.peek() {
            Some(Tok::Minus) => {
                self.pos += 1;
                self.enter()?;
                let v = self.unary()?;
                self.depth -= 1;
                Ok(Node::Neg(Box::new(v)))
            }
            Some(Tok::Plus) => {
                self.pos += 1;
                self.unary()
            }
            Some(Tok::Pm) | Some(Tok::Mp) => {
                self.pos += 1;
                let v = self.unary()?;
                Ok(Node::PlusMinus(Box::new(Node::int(0)), Box::new(v)))
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> PResult<Node> {
        let base = self.postfix()?;
        if !self.eat(&Tok::Caret) {
            return Ok(base);
        }
        self.enter()?;
        let exp = self.exponent()?;
        self.depth -= 1;
        let node = Node::Pow(Box::new(base), Box::new(exp));
        self.postfix_ops(node)
    }

    /// The exponent after `^`: a group, or a signed primary, itself possibly raised again.
    fn exponent(&mut self) -> PResult<Node> {
        if self.eat(&Tok::Minus) {
            return Ok(Node::Neg(Box::new(self.exponent()?)));
        }
        let e = self.postfix()?;
        if self.eat(&Tok::Caret) {
            self.enter()?;
            let up = self.exponent()?;
            self.depth -= 1;
            return Ok(Node::Pow(Box::new(e), Box::new(up)));
        }
        Ok(e)
    }

    fn postfix(&mut self) -> PResult<Node> {
        let p = self.primary()?;
        self.postfix_ops(p)
    }

    fn postfix_ops(&mut self, mut node: Node) -> PResult<Node> {
        loop {
            match self.peek() {
                Some(Tok::Bang) => {
                    self.pos += 1;
                    node = Node::Fact(Box::new(node));
                }
                Some(Tok::Percent) => {
                    self.pos += 1;
                    node = Node::Percent(Box::new(node));
                }
                Some(Tok::Degree) => {
                    self.pos += 1;
                    if self.in_fn > 0 {
                        let rad = Node::Div(Box::new(Node::Pi), Box::new(Node::int(180)));
                        node = mul(node, rad);
                    }
                }
                _ => return Ok(node),
            }
        }
    }
}

fn mul(a: Node, b: Node) -> Node {
    match a {
        Node::Mul(mut v) => {
            v.push(b);
            Node::Mul(v)
        }
        a => Node::Mul(vec![a, b]),
    }
}

fn is_one(n: &Node) -> bool {
    matches!(n, Node::Num { val, .. } if val.is_one())
}

fn is_int_literal(n: &Node) -> bool {
    matches!(n, Node::Num { val, decimal: false } if val.is_integer() && !val.is_zero())
}

fn is_int_fraction(n: &Node) -> bool {
    match n {
        Node::Div(a, b) => is_int_literal(a) && is_int_literal(b),
        _ => false,
    }
}
