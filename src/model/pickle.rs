//! The part of Python's pickle format numpy writes for an object array (`np.save` of
//! `np.array(texts, dtype=object)`): the ndarray's reconstruction with its items as a list in
//! the BUILD state. Nothing is executed: globals are names, calls are values, and only a list of
//! `str` or `bytes` items is taken out. Bounded: a hostile file gets an error, never a panic or
//! an unbounded allocation.

/// A value on the pickle machine's stack.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(Vec<u8>),
    Bytes(Vec<u8>),
    Int(i64),
    Float(f64),
    None,
    Bool(bool),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict,
    Global(String),
    /// `callable(args)`, not called.
    Call(Box<Value>, Box<Value>),
    /// `obj.__setstate__(state)`, not applied.
    Built(Box<Value>, Box<Value>),
    Mark,
}

/// Items a pickle may hold at most (each string counted once).
const MAX_ITEMS: usize = 1 << 24;

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.data.len());
        let end = end.ok_or("the pickle is truncated")?;
        let out = &self.data[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn uint(&mut self, n: usize) -> Result<u64, String> {
        let b = self.take(n)?;
        Ok(b.iter()
            .rev()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    }
    fn len(&mut self, n: usize) -> Result<usize, String> {
        let v = self.uint(n)?;
        usize::try_from(v)
            .ok()
            .filter(|&v| v <= self.data.len())
            .ok_or_else(|| "a length runs past the end of the pickle".to_string())
    }
}

/// Elements a copy of `v` holds (what a memo copy costs), counted against the item limit.
fn weight(v: &Value) -> usize {
    match v {
        Value::Tuple(t) | Value::List(t) => 1 + t.iter().map(weight).sum::<usize>(),
        Value::Call(a, b) | Value::Built(a, b) => 1 + weight(a) + weight(b),
        Value::Str(b) | Value::Bytes(b) => 1 + b.len() / 64,
        _ => 1,
    }
}

/// Nesting a value may have (numpy's arrays need 4): deeper ones would recurse in clone and drop.
const MAX_DEPTH: usize = 32;

fn depth(v: &Value) -> usize {
    match v {
        Value::Tuple(t) | Value::List(t) => 1 + t.iter().map(depth).max().unwrap_or(0),
        Value::Call(a, b) | Value::Built(a, b) => 1 + depth(a).max(depth(b)),
        _ => 0,
    }
}

/// `v`, unless it nests deeper than `MAX_DEPTH`.
fn shallow(v: Value) -> Result<Value, String> {
    if depth(&v) > MAX_DEPTH {
        return Err("the pickle nests too deep".into());
    }
    Ok(v)
}

fn pop(stack: &mut Vec<Value>) -> Result<Value, String> {
    stack
        .pop()
        .ok_or_else(|| "the pickle's stack runs empty".into())
}

/// Everything above the topmost mark, the mark removed.
fn pop_mark(stack: &mut Vec<Value>) -> Result<Vec<Value>, String> {
    let at = stack
        .iter()
        .rposition(|v| *v == Value::Mark)
        .ok_or("the pickle has no mark")?;
    let items = stack.split_off(at + 1);
    stack.pop();
    Ok(items)
}

fn run(data: &[u8]) -> Result<Value, String> {
    let mut r = Reader { data, at: 0 };
    let mut stack: Vec<Value> = Vec::new();
    let mut memo: Vec<Value> = Vec::new();
    let mut items = 0usize;
    loop {
        let op = r.u8()?;
        match op {
            0x80 => {
                r.u8()?; // PROTO
            }
            0x95 => {
                r.take(8)?; // FRAME
            }
            b'.' => return pop(&mut stack),
            0x8c | b'X' | 0x8d => {
                let n = match op {
                    0x8c => r.len(1)?,
                    b'X' => r.len(4)?,
                    _ => r.len(8)?,
                };
                stack.push(Value::Str(r.take(n)?.to_vec()));
                items += 1;
            }
            b'C' | b'B' | 0x8e => {
                let n = match op {
                    b'C' => r.len(1)?,
                    b'B' => r.len(4)?,
                    _ => r.len(8)?,
                };
                stack.push(Value::Bytes(r.take(n)?.to_vec()));
                items += 1;
            }
            b'K' => stack.push(Value::Int(r.uint(1)? as i64)),
            b'M' => stack.push(Value::Int(r.uint(2)? as i64)),
            b'J' => stack.push(Value::Int(i64::from(r.uint(4)? as u32 as i32))),
            0x8a => {
                let n = r.len(1)?;
                let b = r.take(n)?;
                if n > 8 {
                    return Err("an integer wider than 64 bits".into());
                }
                let mut v: i64 = b
                    .iter()
                    .rev()
                    .fold(0i64, |acc, &x| (acc << 8) | i64::from(x));
                if n > 0 && n < 8 && b[n - 1] & 0x80 != 0 {
                    v -= 1i64 << (8 * n);
                }
                stack.push(Value::Int(v));
            }
            b'G' => {
                let b = r.take(8)?;
                stack.push(Value::Float(f64::from_be_bytes(b.try_into().unwrap())));
            }
            b'N' => stack.push(Value::None),
            0x88 => stack.push(Value::Bool(true)),
            0x89 => stack.push(Value::Bool(false)),
            b'(' => stack.push(Value::Mark),
            b')' => stack.push(Value::Tuple(vec![])),
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                if stack.len() < n {
                    return Err("the pickle's stack runs empty".into());
                }
                let t = stack.split_off(stack.len() - n);
                stack.push(shallow(Value::Tuple(t))?);
            }
            b't' => {
                let t = pop_mark(&mut stack)?;
                stack.push(shallow(Value::Tuple(t))?);
            }
            b']' => stack.push(Value::List(vec![])),
            b'}' => stack.push(Value::Dict),
            b'a' => {
                let v = pop(&mut stack)?;
                if depth(&v) >= MAX_DEPTH {
                    return Err("the pickle nests too deep".into());
                }
                match stack.last_mut() {
                    Some(Value::List(l)) => l.push(v),
                    _ => return Err("APPEND to something not a list".into()),
                }
            }
            b'e' => {
                let vs = pop_mark(&mut stack)?;
                if vs.iter().any(|v| depth(v) >= MAX_DEPTH) {
                    return Err("the pickle nests too deep".into());
                }
                match stack.last_mut() {
                    Some(Value::List(l)) => l.extend(vs),
                    _ => return Err("APPENDS to something not a list".into()),
                }
            }
            b's' | b'u' => {
                // Dict items are not needed: drop them.
                if op == b's' {
                    pop(&mut stack)?;
                    pop(&mut stack)?;
                } else {
                    pop_mark(&mut stack)?;
                }
            }
            0x94 => {
                let v = stack.last().cloned().ok_or("MEMOIZE on an empty stack")?;
                items += weight(&v);
                memo.push(v);
            }
            b'q' | b'r' => {
                let i = if op == b'q' { r.len(1)? } else { r.len(4)? };
                let v = stack.last().cloned().ok_or("PUT on an empty stack")?;
                items += weight(&v);
                if i >= memo.len() {
                    memo.resize(i + 1, Value::None);
                }
                memo[i] = v;
            }
            b'h' | b'j' => {
                let i = if op == b'h' { r.len(1)? } else { r.len(4)? };
                let v = memo.get(i).cloned().ok_or("GET of an unknown memo")?;
                items += weight(&v);
                stack.push(v);
            }
            0x93 => {
                let name = pop(&mut stack)?;
                let module = pop(&mut stack)?;
                let text = |v: &Value| match v {
                    Value::Str(s) => Ok(String::from_utf8_lossy(s).into_owned()),
                    _ => Err("STACK_GLOBAL of something not a name".to_string()),
                };
                stack.push(Value::Global(format!(
                    "{}.{}",
                    text(&module)?,
                    text(&name)?
                )));
            }
            b'c' => {
                let mut line = || -> Result<String, String> {
                    let rest = &r.data[r.at..];
                    let n = rest
                        .iter()
                        .position(|&b| b == b'\n')
                        .ok_or("a GLOBAL without its newline")?;
                    let s = String::from_utf8_lossy(&rest[..n]).into_owned();
                    r.at += n + 1;
                    Ok(s)
                };
                let (module, name) = (line()?, line()?);
                stack.push(Value::Global(format!("{module}.{name}")));
            }
            b'R' => {
                let args = pop(&mut stack)?;
                let f = pop(&mut stack)?;
                stack.push(shallow(Value::Call(Box::new(f), Box::new(args)))?);
            }
            b'b' => {
                let state = pop(&mut stack)?;
                let obj = pop(&mut stack)?;
                stack.push(shallow(Value::Built(Box::new(obj), Box::new(state)))?);
            }
            other => {
                return Err(format!(
                    "pickle opcode 0x{other:02x} is not one numpy writes for arrays"
                ))
            }
        }
        if items > MAX_ITEMS || stack.len() > MAX_ITEMS || memo.len() > MAX_ITEMS {
            return Err("the pickle holds too many items".into());
        }
    }
}

/// The items of a pickled numpy object array, when every one is a `str` or `bytes`.
pub fn object_array_strings(data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let Value::Built(array, state) = run(data)? else {
        return Err("the pickle is not a numpy array".into());
    };
    let Value::Call(f, _) = *array else {
        return Err("the pickle is not a numpy array".into());
    };
    if !matches!(&*f, Value::Global(g) if g.ends_with("multiarray._reconstruct")) {
        return Err("the pickle is not a numpy array".into());
    }
    // state = (version, shape, dtype, is_fortran, items)
    let Value::Tuple(state) = *state else {
        return Err("the array's state is not a tuple".into());
    };
    let Some(Value::List(items)) = state.into_iter().last() else {
        return Err("the array's items are not a list".into());
    };
    items
        .into_iter()
        .map(|v| match v {
            Value::Str(s) | Value::Bytes(s) => Ok(s),
            other => Err(format!(
                "an item is {}, not a string",
                match other {
                    Value::Int(_) => "an int",
                    Value::Float(_) => "a float",
                    Value::None => "None",
                    _ => "an object",
                }
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `np.save` of `np.array(["hello", "wörld", "x"], dtype=object)`, after the .npy header.
    const NUMPY_OBJECTS: &str = "8004959f000000000000008c166e756d70792e5f636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c056e756d7079948c076e6461727261799493944b0085944301629487945294284b014b03859468038c0564747970659493948c024f3894898887945294284b038c017c944e4e4e4affffffff4affffffff4b3f749462895d94288c0568656c6c6f948c0677c3b6726c64948c017894657494622e";

    fn bytes() -> Vec<u8> {
        (0..NUMPY_OBJECTS.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&NUMPY_OBJECTS[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn reads_what_numpy_writes() {
        let items = object_array_strings(&bytes()).unwrap();
        let items: Vec<String> = items
            .into_iter()
            .map(|b| String::from_utf8(b).unwrap())
            .collect();
        assert_eq!(items, ["hello", "wörld", "x"]);
    }

    /// Mutated pickles (bytes flipped, cut short) give errors or strings, never a panic.
    #[test]
    fn mutated_pickles_never_panic() {
        let good = bytes();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let mut b = good.clone();
            for _ in 0..1 + next() % 4 {
                let i = (next() as usize) % b.len();
                b[i] = next() as u8;
            }
            b.truncate(1 + (next() as usize) % b.len());
            let _ = object_array_strings(&b);
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut b = vec![b'K', 1];
        b.extend(std::iter::repeat_n(0x85, 1_000_000));
        b.push(b'.');
        assert_eq!(
            object_array_strings(&b).unwrap_err(),
            "the pickle nests too deep"
        );
    }

    #[test]
    fn hostile_pickles_are_errors() {
        for bad in [
            &b""[..],
            b"\x80\x04",
            b"]e",
            b"\x8c\xff",
            b"\x93.",
            b"X\xff\xff\xff\x7fabc",
            b"h\x05.",
            b"\x8a\x09123456789.",
        ] {
            assert!(object_array_strings(bad).is_err(), "{bad:?}");
        }
    }
}
