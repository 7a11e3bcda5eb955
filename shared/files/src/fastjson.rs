//! A fast path for the usual JSON line: plain strings, numbers and nested objects, read in place.
//! It only ever answers `None` ("not sure") or exactly what serde_json would have read; anything
//! unusual (an escape, a repeated key, an array, bad syntax) goes to the serde path, which also
//! words the errors.

/// A JSON value as the fast path keeps it: text borrowed from the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// A string's content (it had no escape).
    Str(&'a str),
    /// A number token, as written.
    Num(&'a str),
    Null,
    /// Anything else (`true`, `false`, an object or array that was skipped).
    Other,
}

impl<'a> Value<'a> {
    /// A string, or nothing for `null`; `Err` for any other kind.
    pub(crate) fn opt_str(self) -> Result<Option<&'a str>, ()> {
        match self {
            Value::Str(s) => Ok(Some(s)),
            Value::Null => Ok(None),
            _ => Err(()),
        }
    }
}

pub(crate) struct Scan<'a> {
    /// The line, checked as UTF-8 once; slices cut at ASCII quotes are always whole characters.
    text: &'a str,
    b: &'a [u8],
    i: usize,
    depth: u32,
}

impl<'a> Scan<'a> {
    /// `None` when the line is not UTF-8 (serde will say so).
    pub(crate) fn new(line: &'a [u8]) -> Option<Self> {
        let text = std::str::from_utf8(line).ok()?;
        Some(Scan {
            text,
            b: line,
            i: 0,
            depth: 0,
        })
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// The whole line was one value and only whitespace follows.
    pub(crate) fn end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    /// Strings here are short: a plain loop beats a vectorised search's setup.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' => return None,
                c if c < 0x20 => return None,
                _ => self.i += 1,
            }
        }
        let end = self.i;
        self.i += 1;
        self.text.get(start..end)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<&'a str> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        self.text.get(start..self.i)
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// Any value; objects and arrays are checked and skipped.
    pub(crate) fn value(&mut self) -> Option<Value<'a>> {
        self.ws();
        Some(match self.peek()? {
            b'"' => Value::Str(self.string()?),
            b'-' | b'0'..=b'9' => Value::Num(self.number()?),
            b'n' => {
                self.literal(b"null")?;
                Value::Null
            }
            b't' => {
                self.literal(b"true")?;
                Value::Other
            }
            b'f' => {
                self.literal(b"false")?;
                Value::Other
            }
            b'{' => {
                self.object(|_, s| s.value().map(drop))?;
                Value::Other
            }
            b'[' => {
                self.array()?;
                Value::Other
            }
            _ => return None,
        })
    }

    fn array(&mut self) -> Option<()> {
        self.eat(b'[')?;
        self.nest()?;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
        } else {
            loop {
                self.value()?;
                self.ws();
                match self.peek()? {
                    b',' => self.i += 1,
                    b']' => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    fn nest(&mut self) -> Option<()> {
        self.depth += 1;
        // serde_json's own recursion limit is 128; staying far below it keeps the answers the same.
        (self.depth <= 32).then_some(())
    }

    /// `{ "key": value, ... }`, calling `each(key, self)` to read each value. Keys must be plain strings.
    pub(crate) fn object(
        &mut self,
        mut each: impl FnMut(&'a str, &mut Self) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        self.nest()?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
        } else {
            loop {
                self.ws();
                let key = self.string()?;
                self.eat(b':')?;
                each(key, self)?;
                self.ws();
                match self.peek()? {
                    b',' => self.i += 1,
                    b'}' => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }
}

/// Sets a slot once; a repeated key is left to serde (which refuses it for known fields).
pub(crate) fn once<T>(slot: &mut Option<T>, v: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(v);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str) -> Option<Value<'_>> {
        let mut s = Scan::new(text.as_bytes())?;
        let v = s.value()?;
        s.end()?;
        Some(v)
    }

    #[test]
    fn reads_plain_values_and_refuses_what_it_does_not_know() {
        assert_eq!(whole(r#" "abc" "#), Some(Value::Str("abc")));
        assert_eq!(whole("-12.50e+3"), Some(Value::Num("-12.50e+3")));
        assert_eq!(whole("null"), Some(Value::Null));
        assert_eq!(
            whole(r#"{"a":[1,{"b":null}],"c":true}"#),
            Some(Value::Other)
        );
        for bad in [
            r#""a\"b""#,
            "01",
            "1.",
            ".5",
            "1e",
            "nul",
            "{\"a\":1,}",
            "[1,]",
            "{} x",
            "\"\t\"",
        ] {
            assert_eq!(whole(bad), None, "{bad}");
        }
    }

    #[test]
    fn agrees_with_serde_on_what_it_accepts() {
        for text in ["0", "-0.0", "1E5", "[]", "{}", r#"{"k":"v"}"#, r#""ñandú""#] {
            assert!(whole(text).is_some(), "{text}");
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_ok(),
                "{text}"
            );
        }
    }
}
