//! Counts that may depend on the model's symbolic dims: a polynomial in the symbols
//! (`4.1e9·batch + 2.0e6`), exact for fixed dims, evaluated at chosen values for a figure.

use std::collections::BTreeMap;
use std::fmt;

/// Σ coefficient · Π symbols. A monomial is its sorted list of symbols (repeated for powers).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Count(BTreeMap<Vec<String>, f64>);

impl Count {
    pub fn zero() -> Count {
        Count::default()
    }

    pub fn constant(v: f64) -> Count {
        let mut m = BTreeMap::new();
        if v != 0.0 {
            m.insert(vec![], v);
        }
        Count(m)
    }

    pub fn symbol(name: &str) -> Count {
        Count(BTreeMap::from([(vec![name.to_string()], 1.0)]))
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// The value when no symbol is involved.
    pub fn fixed(&self) -> Option<f64> {
        match self.0.len() {
            0 => Some(0.0),
            1 => self.0.get(&Vec::new()).copied(),
            _ => None,
        }
    }

    /// Symbols it depends on, sorted.
    pub fn symbols(&self) -> Vec<String> {
        let mut s: Vec<String> = self.0.keys().flatten().cloned().collect();
        s.sort();
        s.dedup();
        s
    }

    pub fn add(&self, o: &Count) -> Count {
        let mut m = self.0.clone();
        for (k, v) in &o.0 {
            *m.entry(k.clone()).or_insert(0.0) += v;
        }
        m.retain(|_, v| *v != 0.0);
        Count(m)
    }

    pub fn mul(&self, o: &Count) -> Count {
        let mut m: BTreeMap<Vec<String>, f64> = BTreeMap::new();
        for (a, x) in &self.0 {
            for (b, y) in &o.0 {
                let mut k = a.clone();
                k.extend(b.iter().cloned());
                k.sort();
                *m.entry(k).or_insert(0.0) += x * y;
            }
        }
        m.retain(|_, v| *v != 0.0);
        Count(m)
    }

    pub fn scale(&self, f: f64) -> Count {
        self.mul(&Count::constant(f))
    }

    pub fn product<'a>(items: impl IntoIterator<Item = &'a Count>) -> Count {
        items
            .into_iter()
            .fold(Count::constant(1.0), |acc, c| acc.mul(c))
    }

    /// The value with every symbol at `values` (a symbol not listed counts as 1).
    pub fn eval(&self, values: &BTreeMap<String, f64>) -> f64 {
        self.0
            .iter()
            .map(|(k, c)| {
                c * k
                    .iter()
                    .map(|s| values.get(s).copied().unwrap_or(1.0))
                    .product::<f64>()
            })
            .sum()
    }

    /// Parses a dim as onnx-lens shows it: `64`, `batch`, `batch*16`, `2*batch+1`,
    /// `(seq+1)/2`; `known` names count as one symbol even with operators in them.
    pub fn parse_dim(text: &str, known: &dyn Fn(&str) -> bool) -> Option<Count> {
        let text = text.trim();
        if text == "?" || text.is_empty() {
            return None;
        }
        if let Ok(v) = text.parse::<i64>() {
            return Some(Count::constant(v as f64));
        }
        if known(text) {
            return Some(Count::symbol(text));
        }
        let tokens = tokenize(text)?;
        let mut p = Parser { tokens, at: 0 };
        let c = p.sum()?;
        (p.at == p.tokens.len()).then_some(c)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Sym(String),
    Op(char),
}

fn tokenize(s: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Token::Num(
                chars[start..i].iter().collect::<String>().parse().ok()?,
            ));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || "_.:".contains(chars[i])) {
                i += 1;
            }
            out.push(Token::Sym(chars[start..i].iter().collect()));
        } else if "+-*/()".contains(c) {
            out.push(Token::Op(c));
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn sum(&mut self) -> Option<Count> {
        let mut acc = self.term()?;
        while let Some(Token::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.at += 1;
            let t = self.term()?;
            acc = acc.add(&if op == '+' { t } else { t.scale(-1.0) });
        }
        Some(acc)
    }

    fn term(&mut self) -> Option<Count> {
        let mut acc = self.atom()?;
        while let Some(Token::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.at += 1;
            let a = self.atom()?;
            acc = if op == '*' {
                acc.mul(&a)
            } else {
                // Division only by a number: a symbolic quotient is not a polynomial.
                acc.scale(1.0 / a.fixed().filter(|v| *v != 0.0)?)
            };
        }
        Some(acc)
    }

    fn atom(&mut self) -> Option<Count> {
        let t = self.peek()?.clone();
        self.at += 1;
        match t {
            Token::Num(v) => Some(Count::constant(v)),
            Token::Sym(s) => Some(Count::symbol(&s)),
            Token::Op('(') => {
                let c = self.sum()?;
                (self.peek() == Some(&Token::Op(')'))).then(|| self.at += 1)?;
                Some(c)
            }
            Token::Op('-') => Some(self.atom()?.scale(-1.0)),
            _ => None,
        }
    }
}

/// `4.09 G`, `25.6 M`, `512`: a count in SI units, three significant digits.
pub fn si(v: f64) -> String {
    if v == 0.0 {
        // Also -0.0, which an empty f64 sum gives.
        return "0".into();
    }
    let a = v.abs();
    let (d, u) = if a >= 1e12 {
        (1e12, " T")
    } else if a >= 1e9 {
        (1e9, " G")
    } else if a >= 1e6 {
        (1e6, " M")
    } else if a >= 1e3 {
        (1e3, " k")
    } else {
        return format!("{}", v.round());
    };
    let x = v / d;
    let digits = if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{x:.digits$}{u}")
}

impl fmt::Display for Count {
    /// `4.09 G·batch + 1.2 M`; `0` for zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("0");
        }
        // Highest degree first, the constant last.
        let mut terms: Vec<(&Vec<String>, &f64)> = self.0.iter().collect();
        terms.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
        let text: Vec<String> = terms
            .into_iter()
            .map(|(k, c)| {
                let mut syms: Vec<String> = Vec::new();
                let mut i = 0;
                while i < k.len() {
                    let n = k[i..].iter().take_while(|s| **s == k[i]).count();
                    syms.push(if n == 1 {
                        k[i].clone()
                    } else {
                        format!("{}^{n}", k[i])
                    });
                    i += n;
                }
                if syms.is_empty() {
                    si(*c)
                } else if *c == 1.0 {
                    syms.join("·")
                } else {
                    format!("{}·{}", si(*c), syms.join("·"))
                }
            })
            .collect();
        f.write_str(&text.join(" + "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<Count> {
        Count::parse_dim(s, &|n| n == "a+b")
    }

    #[test]
    fn dims_parse_into_polynomials() {
        let at = |c: &Count, b: f64, s: f64| {
            c.eval(&BTreeMap::from([("batch".into(), b), ("seq".into(), s)]))
        };
        assert_eq!(parse("64"), Some(Count::constant(64.0)));
        assert_eq!(parse("?"), None);
        assert_eq!(parse("a+b"), Some(Count::symbol("a+b")));
        let c = parse("2*batch*seq+(seq-1)/2").unwrap();
        assert_eq!(at(&c, 3.0, 5.0), 2.0 * 3.0 * 5.0 + 2.0);
        assert_eq!(c.symbols(), vec!["batch".to_string(), "seq".to_string()]);
        assert_eq!(parse("batch/seq"), None);
        assert_eq!(parse("batch*"), None);
        let m = parse("batch").unwrap().mul(&Count::constant(4.1e9));
        assert_eq!(m.to_string(), "4.10 G·batch");
        assert_eq!(parse("batch*batch").unwrap().to_string(), "batch^2");
    }
}
