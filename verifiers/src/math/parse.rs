//! Parser: tokens to a [`Node`] tree (precedence climbing over the lexer's tokens).
//!
//! Levels, loosest first: lists (`,` `;` `or` `and`), relations (`=` `<` `\le` .. chains and
//! `\in`), unions (`\cup`), sums (`+ - \pm`), products (`* / \cdot`, implicit multiplication,
//! mixed numbers), unary signs, powers (right-associative), postfix (`!` `%`), primaries.
//! Recursion is bounded by [`MAX_DEPTH`]; a failure is an `Err` with a short reason.

use super::budget::MAX_DEPTH;
use super::lex::{lex, Tok};
use super::node::{Func, Node, Sep};
use super::words;
use num_traits::{One, Zero};

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
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        in_fn: 0,
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

/// Drops unit words that follow a value (`5 dollars`, `12 square units`).
fn drop_units(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut after_value = false;
    let mut skip_power = false;
    for t in toks {
        if let Tok::Word(w) = &t {
            if after_value && words::is_bare_unit(w) {
                skip_power = true;
                continue;
            }
        }
        // `25 cm^2`: the power after a dropped unit belongs to the unit.
        if skip_power && t == Tok::Caret {
            continue;
        }
        if skip_power && matches!(out.last(), Some(Tok::Num(..))) && matches!(t, Tok::Num(..)) {
            skip_power = false;
            continue;
        }
        skip_power = false;
        after_value = matches!(
            t,
            Tok::Num(..) | Tok::RParen | Tok::RBrace | Tok::Percent | Tok::Ident(_)
        );
        out.push(t);
    }
    // Trailing plain words after a number are a noun (`12 apples`, `3 red marbles`).
    let has_num = out.iter().any(|t| matches!(t, Tok::Num(..)));
    while has_num && !out.is_empty() {
        match out.last() {
            Some(Tok::Word(w))
                if w.chars().count() >= 3
                    && !is_keyword(w)
                    && words::number_phrase(w).is_none() =>
            {
                out.pop();
            }
            _ => break,
        }
    }
    out
}

fn is_keyword(w: &str) -> bool {
    let l = w.to_ascii_lowercase();
    Func::from_name(&l).is_some()
        || matches!(
            l.as_str(),
            "pi" | "inf" | "infinity" | "oo" | "sqrt" | "log" | "and" | "or"
        )
}

/// An answer made only of words (`Monday`, `\text{odd}`, `no solution`) is text.
fn as_text(toks: &[Tok]) -> Option<Node> {
    let mut words = Vec::new();
    let mut has_long = false;
    for t in toks {
        match t {
            Tok::Word(w) => {
                let l = w.to_lowercase();
                let wordy =
                    w.chars().count() >= 3 || matches!(l.as_str(), "no" | "on" | "up" | "ok");
                has_long |= wordy && !is_keyword(w) && words::scale(&l).is_none();
                words.push(l);
            }
            Tok::Ident(w) => words.push(w.to_lowercase()),
            Tok::Minus => words.push("-".into()),
            Tok::Comma | Tok::Unknown(_) => {}
            _ => return None,
        }
    }
    if !has_long {
        return None;
    }
    let phrase = words.join(" ").replace(" - ", "-");
    if let Some(v) = words::number_phrase(&phrase) {
        return Some(Node::Num {
            val: num_rational::BigRational::from_integer(v.into()),
            decimal: false,
        });
    }
    Some(Node::Text(phrase))
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
    /// Inside the argument of a trig function (degree signs convert to radians there).
    in_fn: usize,
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
        Tok::Cmd(c) => *c != "overline",
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

    /// A `{..}` group or a single primary (arguments of `\frac`, `\sqrt`, subscripts).
    fn group(&mut self) -> PResult<Node> {
        if self.peek() == Some(&Tok::LBrace) {
            return self.primary();
        }
        self.postfix()
    }

    /// Content up to the closing token: one item (grouping) or a comma list.
    fn bracketed(&mut self, closers: &[Tok]) -> PResult<(Vec<Node>, Tok)> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            if let Some(t) = self.peek() {
                if closers.contains(t) {
                    let t = t.clone();
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok((items, t));
                }
            }
            if self.peek().is_none() {
                return Err("unclosed bracket".into());
            }
            let item = self.list_in_bracket()?;
            items.push(item);
            if !(self.eat(&Tok::Comma) || self.eat(&Tok::Semi)) {
                match self.peek() {
                    Some(t) if closers.contains(t) => {}
                    _ => return Err("expected a comma or a closing bracket".into()),
                }
            }
        }
    }

    fn list_in_bracket(&mut self) -> PResult<Node> {
        let first = self.relation()?;
        let mut items = vec![first];
        let mut kind = Sep::Comma;
        while let Some(s @ (Sep::Or | Sep::And)) = self.sep() {
            kind = s;
            self.pos += 1;
            items.push(self.relation()?);
        }
        if items.len() == 1 {
            return Ok(items.pop().unwrap_or(Node::Empty));
        }
        Ok(Node::List(items, kind))
    }

    fn primary(&mut self) -> PResult<Node> {
        let Some(tok) = self.bump() else {
            return Err("unexpected end".into());
        };
        match tok {
            Tok::Num(val, decimal) => {
                let mut n = Node::Num { val, decimal };
                while let Some(Tok::Word(w)) = self.peek() {
                    match words::scale(&w.to_ascii_lowercase()) {
                        Some(s) => {
                            self.pos += 1;
                            n = mul(n, Node::int(s as i64));
                        }
                        None => break,
                    }
                }
                Ok(n)
            }
            Tok::Based(s) => Ok(Node::Based(s)),
            Tok::Ident(name) => self.ident(name),
            Tok::Pi => Ok(Node::Pi),
            Tok::Inf => Ok(Node::Inf),
            Tok::Empty => Ok(Node::Empty),
            Tok::Reals => Ok(Node::Tuple(
                vec![Node::Neg(Box::new(Node::Inf)), Node::Inf],
                '(',
                ')',
            )),
            Tok::Word(w) => self.word(w),
            Tok::Cmd("frac") => {
                self.enter()?;
                let a = self.group()?;
                let b = self.group()?;
                self.depth -= 1;
                Ok(Node::Div(Box::new(a), Box::new(b)))
            }
            Tok::Cmd("binom") => {
                self.enter()?;
                let a = self.group()?;
                let b = self.group()?;
                self.depth -= 1;
                Ok(Node::Binom(Box::new(a), Box::new(b)))
            }
            Tok::Cmd("sqrt") => {
                self.enter()?;
                let index = if self.eat(&Tok::LBrack) {
                    let i = self.additive()?;
                    self.expect(&Tok::RBrack)?;
                    i
                } else {
                    Node::int(2)
                };
                let arg = self.group()?;
                self.depth -= 1;
                Ok(Node::Root(Box::new(index), Box::new(arg)))
            }
            Tok::Cmd("log") => self.log(None),
            Tok::Cmd("lg") => self.log(Some(Node::int(10))),
            Tok::LBrace => {
                let (mut items, _) = self.bracketed(&[Tok::RBrace])?;
                match items.len() {
                    0 => Ok(Node::Empty),
                    1 => Ok(items.pop().unwrap_or(Node::Empty)),
                    _ => Ok(Node::Set(items)),
                }
            }
            Tok::LSet => {
                let (items, _) = self.bracketed(&[Tok::RSet])?;
                Ok(if items.is_empty() {
                    Node::Empty
                } else {
                    Node::Set(items)
                })
            }
            Tok::Langle => {
                let (items, _) = self.bracketed(&[Tok::Rangle])?;
                Ok(Node::Tuple(items, '(', ')'))
            }
            Tok::LParen | Tok::LBrack => {
                let open = if tok == Tok::LParen { '(' } else { '[' };
                let (mut items, close) = self.bracketed(&[Tok::RParen, Tok::RBrack])?;
                let close = if close == Tok::RParen { ')' } else { ']' };
                if items.len() == 1 && (open == '(') == (close == ')') {
                    return Ok(items.pop().unwrap_or(Node::Empty));
                }
                if items.is_empty() {
                    return Err("empty brackets".into());
                }
                Ok(Node::Tuple(items, open, close))
            }
            Tok::Pipe => {
                self.enter()?;
                let inner = self.additive()?;
                self.expect(&Tok::Pipe)?;
                self.depth -= 1;
                Ok(Node::Func(Func::Abs, Box::new(inner)))
            }
            Tok::Begin(env) => self.matrix(&env),
            other => Err(format!("unexpected {other:?}")),
        }
    }

    fn ident(&mut self, name: String) -> PResult<Node> {
        if self.eat(&Tok::Under) {
            let sub = match self.bump() {
                Some(Tok::Num(v, _)) if v.is_integer() => v.numer().to_string(),
                Some(Tok::Ident(s)) => s,
                Some(Tok::LBrace) => {
                    let mut s = String::new();
                    loop {
                        match self.bump() {
                            Some(Tok::RBrace) => break,
                            Some(Tok::Num(v, _)) if v.is_integer() => s += &v.numer().to_string(),
                            Some(Tok::Ident(x)) | Some(Tok::Word(x)) => s += &x,
                            Some(Tok::Plus) => s.push('+'),
                            Some(Tok::Minus) => s.push('-'),
                            _ => return Err("bad subscript".into()),
                        }
                    }
                    s
                }
                _ => return Err("bad subscript".into()),
            };
            return Ok(Node::Var(format!("{name}_{sub}")));
        }
        Ok(match name.as_str() {
            "e" => Node::E,
            "i" => Node::I,
            _ => Node::Var(name),
        })
    }

    fn word(&mut self, w: String) -> PResult<Node> {
        let l = w.to_ascii_lowercase();
        match l.as_str() {
            "pi" => return Ok(Node::Pi),
            "inf" | "infinity" | "oo" => return Ok(Node::Inf),
            "sqrt" => {
                let arg = self.group()?;
                return Ok(Node::Root(Box::new(Node::int(2)), Box::new(arg)));
            }
            "log" => return self.log(None),
            _ => {}
        }
        if let Some(f) = Func::from_name(&l) {
            return self.apply(f);
        }
        // Letters written together are a product of variables (`xy`, `abc`): put them back
        // as single letters so that `xy^2` is `x y^2`.
        if w.chars().count() <= 4 && w.chars().all(|c| c.is_ascii_alphabetic()) {
            let letters: Vec<Tok> = w.chars().map(|c| Tok::Ident(c.to_string())).collect();
            self.pos -= 1;
            self.toks.splice(self.pos..self.pos + 1, letters);
            return self.primary();
        }
        Err(format!("unknown word '{w}'"))
    }

    /// The argument of a function written without parentheses: `\sin 2x`, `\ln x`.
    fn fn_arg(&mut self) -> PResult<Node> {
        self.enter()?;
        let mut acc = self.power()?;
        while let Some(t) = self.peek() {
            let is_fn = match t {
                Tok::Word(w) => is_keyword(w),
                Tok::Cmd(_) | Tok::LParen => true,
                _ => false,
            };
            if !starts_primary(t) || is_fn {
                break;
            }
            let rhs = self.power()?;
            acc = mul(acc, rhs);
        }
        self.depth -= 1;
        Ok(acc)
    }

    fn apply(&mut self, f: Func) -> PResult<Node> {
        let mut power = None;
        if self.eat(&Tok::Caret) {
            power = Some(self.group()?);
        }
        let f = match (&power, f) {
            (Some(Node::Neg(one)), Func::Sin | Func::Cos | Func::Tan) if is_one(one) => {
                power = None;
                match f {
                    Func::Sin => Func::Asin,
                    Func::Cos => Func::Acos,
                    _ => Func::Atan,
                }
            }
            _ => f,
        };
        self.in_fn += 1;
        let arg = self.fn_arg();
        self.in_fn -= 1;
        let applied = Node::Func(f, Box::new(arg?));
        Ok(match power {
            Some(p) => Node::Pow(Box::new(applied), Box::new(p)),
            None => applied,
        })
    }

    fn log(&mut self, base: Option<Node>) -> PResult<Node> {
        let mut base = base;
        if self.eat(&Tok::Under) {
            base = Some(self.group()?);
        }
        let arg = self.fn_arg()?;
        if let (None, Node::Tuple(items, '(', ')')) = (&base, &arg) {
            if items.len() == 2 {
                return Ok(Node::Log(
                    Box::new(items[1].clone()),
                    Box::new(items[0].clone()),
                ));
            }
        }
        Ok(match base {
            Some(b) => Node::Log(Box::new(b), Box::new(arg)),
            None => Node::Func(Func::Ln, Box::new(arg)),
        })
    }

    fn matrix(&mut self, env: &str) -> PResult<Node> {
        if !matches!(
            env,
            "pmatrix" | "bmatrix" | "matrix" | "Bmatrix" | "array" | "smallmatrix"
        ) {
            return Err(format!("unsupported environment {env}"));
        }
        self.enter()?;
        let mut rows: Vec<Vec<Node>> = vec![Vec::new()];
        loop {
            match self.peek() {
                Some(Tok::End(_)) => {
                    self.pos += 1;
                    break;
                }
                None => return Err("unclosed matrix".into()),
                Some(Tok::RowSep) => {
                    self.pos += 1;
                    rows.push(Vec::new());
                }
                Some(Tok::Amp) => {
                    self.pos += 1;
                    if rows.last().is_some_and(|r| r.is_empty()) {
                        return Err("empty matrix cell".into());
                    }
                }
                Some(_) => {
                    let cell = self.relation()?;
                    if let Some(r) = rows.last_mut() {
                        r.push(cell);
                    }
                }
            }
        }
        self.depth -= 1;
        while rows.last().is_some_and(|r| r.is_empty()) {
            rows.pop();
        }
        let width = rows.first().map_or(0, Vec::len);
        if width == 0 || rows.iter().any(|r| r.len() != width) {
            return Err("ragged matrix".into());
        }
        Ok(Node::Matrix(rows))
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
