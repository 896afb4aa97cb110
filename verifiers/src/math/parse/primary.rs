//! Primaries of the grammar: numbers, names, words, `\frac` / `\sqrt` / `\binom`, functions
//! and logarithms, brackets (groups, tuples, intervals, sets), absolute values and matrices.

use super::text::is_keyword;
use super::{is_one, mul, starts_primary, PResult, Parser};
use crate::math::lex::Tok;
use crate::math::node::{Func, Node, Sep};
use crate::math::words;

/// Prefixes of the one-word geometric names the lexer makes.
const GEOMETRIC: [&str; 6] = [
    "angle ",
    "triangle ",
    "overline ",
    "overarc ",
    "widehat ",
    "measuredangle ",
];

impl Parser {
    /// A `{..}` group or a single primary (arguments of `\frac`, `\sqrt`, subscripts).
    pub(super) fn group(&mut self) -> PResult<Node> {
        if self.peek() == Some(&Tok::LBrace) {
            // An empty argument (`\frac{}{}`) is malformed, not the empty set.
            return match self.primary()? {
                Node::Empty => Err("empty argument".into()),
                n => Ok(n),
            };
        }
        self.postfix()
    }

    /// Whether the brace group just opened is `{n \choose k}` (a `\choose` at its top level).
    fn choose_ahead(&self) -> bool {
        if !self.has_choose {
            return false;
        }
        let mut level = 0usize;
        for t in &self.toks[self.pos..] {
            match t {
                Tok::LBrace => level += 1,
                Tok::RBrace if level == 0 => return false,
                Tok::RBrace => level -= 1,
                Tok::Choose if level == 0 => return true,
                _ => {}
            }
        }
        false
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

    pub(super) fn primary(&mut self) -> PResult<Node> {
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
            Tok::LBrace if self.choose_ahead() => {
                self.enter()?;
                let n = self.additive()?;
                self.expect(&Tok::Choose)?;
                let k = self.additive()?;
                self.expect(&Tok::RBrace)?;
                self.depth -= 1;
                Ok(Node::Binom(Box::new(n), Box::new(k)))
            }
            Tok::LBrace => {
                let (mut items, _) = self.bracketed(&[Tok::RBrace])?;
                match items.len() {
                    0 => Ok(Node::Empty),
                    1 => Ok(items.pop().unwrap_or(Node::Empty)),
                    _ => Ok(Node::Set(items)),
                }
            }
            Tok::LSet => {
                // Set-builder `\{x \mid x > 2\}` / `\{x : x > 2\}`: the condition.
                let sep_next = match self.toks.get(self.pos + 1) {
                    Some(Tok::Pipe) => true,
                    Some(Tok::Unknown(u)) => u == ":",
                    _ => false,
                };
                let builder = sep_next && matches!(self.peek(), Some(Tok::Ident(_)));
                if builder {
                    self.pos += 2;
                    self.enter()?;
                    let cond = self.list_in_bracket()?;
                    self.expect(&Tok::RSet)?;
                    self.depth -= 1;
                    return Ok(cond);
                }
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
        // A geometric name (`\angle ABC`, `\overline{AB}`) is a name, as in `\angle B = 30^\circ`.
        if GEOMETRIC.iter().any(|p| w.starts_with(p)) {
            return Ok(Node::Var(w));
        }
        // A Greek letter spelled out (`theta`, sympy style) is that variable.
        if let Some(g) = words::greek(&w) {
            return Ok(Node::Var(g.to_string()));
        }
        // Short letter runs were split into variables before parsing (`split_letters`).
        Err(format!("unknown word '{w}'"))
    }

    /// The argument of a function written without parentheses: `\sin 2x`, `\ln x`.
    fn fn_arg(&mut self) -> PResult<Node> {
        // `\sin(x)^2` is `(\sin x)^2`: a parenthesized argument ends the argument, and the
        // power after it applies to the function's value.
        if self.peek() == Some(&Tok::LParen) {
            // Counted as a level of its own: a function call costs more stack than a bracket,
            // and `\sin(\sin(..))` nested 64 deep must not overflow a 2 MB thread stack.
            self.enter()?;
            let arg = self.postfix();
            self.depth -= 1;
            return arg;
        }
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

    /// A function application, counted as a nesting level (`\sin^\sin^..` recurses here).
    fn apply(&mut self, f: Func) -> PResult<Node> {
        self.enter()?;
        let r = self.apply_inner(f);
        self.depth -= 1;
        r
    }

    fn apply_inner(&mut self, f: Func) -> PResult<Node> {
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

    /// A logarithm, counted as a nesting level (`\log_\log_..` recurses here).
    fn log(&mut self, base: Option<Node>) -> PResult<Node> {
        self.enter()?;
        let r = self.log_inner(base);
        self.depth -= 1;
        r
    }

    fn log_inner(&mut self, base: Option<Node>) -> PResult<Node> {
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
