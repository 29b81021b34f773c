//! The BookSim2 configuration syntax: `key = value;` statements, `//` comments to the end of the
//! line, bare words, numbers, quoted strings and `{a, b}` lists (also inside `name(...)` values
//! such as `hotspot({0,7},{1,1})`). Command-line arguments are `key=value` with the same values.

use moesim_core::{Error, Result};

/// Where an assignment came from: a file and line, or the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file name, or `command line`.
    pub source: String,
    /// 1-based line in the file; `None` for the command line.
    pub line: Option<usize>,
}

impl Origin {
    /// `file:line` or `command line`: the `origin` of an error.
    pub fn describe(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.source),
            None => self.source.clone(),
        }
    }
}

/// One `key = value` assignment, the value as written (quotes removed, trimmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub key: String,
    pub value: String,
    pub origin: Origin,
}

/// The origin of command-line overrides.
pub const COMMAND_LINE: &str = "command line";

fn is_key_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '-'
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// A character cursor that counts lines.
struct Cursor<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl Cursor<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next();
        if c == Some('\n') {
            self.line += 1;
        }
        c
    }
    /// Skips white space and `//` comments.
    fn skip_blank(&mut self) -> Result<(), String> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') => {
                    self.bump();
                    if self.peek() != Some('/') {
                        return Err("`/` outside a `//` comment".into());
                    }
                    while !matches!(self.peek(), None | Some('\n')) {
                        self.bump();
                    }
                }
                _ => return Ok(()),
            }
        }
    }
}

/// Parses the text of a BookSim config file.
pub fn parse_text(text: &str, source: &str) -> Result<Vec<Assignment>> {
    let mut cur = Cursor {
        chars: text.chars().peekable(),
        line: 1,
    };
    let mut out = Vec::new();
    loop {
        cur.skip_blank()
            .map_err(|m| Error::parse(source, Some(cur.line), m))?;
        let Some(c) = cur.peek() else {
            return Ok(out);
        };
        let line = cur.line;
        let err = |line: usize, m: String| Error::parse(source, Some(line), m);
        if !is_key_start(c) {
            return Err(err(line, format!("expected a key, found `{c}`")));
        }
        let mut key = String::new();
        while let Some(c) = cur.peek().filter(|c| is_key_char(*c)) {
            key.push(c);
            cur.bump();
        }
        cur.skip_blank().map_err(|m| err(cur.line, m))?;
        if cur.bump() != Some('=') {
            return Err(err(
                cur.line,
                format!("expected `=` after `{key}` (statements are `key = value;`)"),
            ));
        }
        let value = read_value(&mut cur).map_err(|m| err(line, format!("`{key}`: {m}")))?;
        out.push(Assignment {
            key,
            value,
            origin: Origin {
                source: source.to_string(),
                line: Some(line),
            },
        });
    }
}

/// Reads a value up to the `;` that ends the statement, outside brackets and quotes; comments
/// inside the value are skipped.
fn read_value(cur: &mut Cursor<'_>) -> Result<String, String> {
    cur.skip_blank()?;
    let mut raw = String::new();
    let mut depth: Vec<char> = Vec::new();
    loop {
        let Some(c) = cur.bump() else {
            return Err("missing `;` at the end of the statement".into());
        };
        match c {
            ';' if depth.is_empty() => break,
            '/' if cur.peek() == Some('/') => {
                while !matches!(cur.peek(), None | Some('\n')) {
                    cur.bump();
                }
            }
            '"' => {
                raw.push('"');
                loop {
                    match cur.bump() {
                        Some('"') => break,
                        Some('\n') | None => return Err("unterminated string".into()),
                        Some(c) => raw.push(c),
                    }
                }
                raw.push('"');
            }
            '{' => {
                depth.push('}');
                raw.push(c);
            }
            '(' => {
                depth.push(')');
                raw.push(c);
            }
            '}' | ')' => {
                if depth.pop() != Some(c) {
                    return Err(format!("unbalanced `{c}`"));
                }
                raw.push(c);
            }
            '\n' if depth.is_empty() => {
                return Err("missing `;` at the end of the statement".into());
            }
            c if c.is_whitespace() => raw.push(' '),
            c => raw.push(c),
        }
    }
    let v = unquote(raw.trim());
    if v.is_empty() {
        return Err("empty value".into());
    }
    Ok(v)
}

fn unquote(s: &str) -> String {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .to_string()
}

/// Parses one command-line override `key=value` (BookSim's own argument syntax).
pub fn parse_override(arg: &str) -> Result<Assignment> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(Error::config(COMMAND_LINE, arg, "expected KEY=VALUE")
            .allowed("BookSim overrides such as injection_rate=0.1"));
    };
    let key = key.trim();
    let value = unquote(value.trim().trim_end_matches(';').trim());
    if key.is_empty() || !key.starts_with(is_key_start) || !key.chars().all(is_key_char) {
        return Err(Error::config(COMMAND_LINE, key, "not a valid BookSim key")
            .allowed("letters, digits, `_`, `-` and `.`"));
    }
    if value.is_empty() {
        return Err(Error::config(COMMAND_LINE, key, "empty value"));
    }
    Ok(Assignment {
        key: key.to_string(),
        value,
        origin: Origin {
            source: COMMAND_LINE.to_string(),
            line: None,
        },
    })
}

/// Splits `{a, b, {c}}` into its top-level items; a bare value is a one-item list.
pub fn list_items(value: &str) -> Vec<String> {
    let v = value.trim();
    let Some(inner) = v.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
        return vec![v.to_string()];
    };
    split_top_level(inner)
}

/// Splits on commas that are not inside brackets.
pub fn split_top_level(s: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '{' | '(' => depth += 1,
            '}' | ')' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            items.push(cur.trim().to_string());
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    if !cur.trim().is_empty() || !items.is_empty() {
        items.push(cur.trim().to_string());
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_comments_and_lines() {
        let text = "// header\ntopology = mesh;\n\nk = 8; // radix\nlatency_thres = 500.0;\n";
        let a = parse_text(text, "x.cfg").unwrap();
        let kv: Vec<(&str, &str, usize)> = a
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_str(), a.origin.line.unwrap()))
            .collect();
        assert_eq!(
            kv,
            vec![
                ("topology", "mesh", 2),
                ("k", "8", 4),
                ("latency_thres", "500.0", 5)
            ]
        );
    }

    #[test]
    fn lists_strings_and_calls() {
        let text = "traffic = hotspot({0, 7}, {2,1});\nname = \"a b\";\nv = {1,\n 2};";
        let a = parse_text(text, "x").unwrap();
        assert_eq!(a[0].value, "hotspot({0, 7}, {2,1})");
        assert_eq!(a[1].value, "a b");
        assert_eq!(list_items(&a[2].value), vec!["1", "2"]);
        assert_eq!(a[2].origin.line, Some(3));
        assert_eq!(
            split_top_level("{0, 7}, {2,1}"),
            vec!["{0, 7}".to_string(), "{2,1}".to_string()]
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = parse_text("k = 8;\nn = 2\nc = 1;\n", "m.cfg").unwrap_err();
        assert!(e.to_string().starts_with("m.cfg:2: "), "{e}");
        let e = parse_text("k = 8;\n= 2;\n", "m.cfg").unwrap_err();
        assert!(e.to_string().starts_with("m.cfg:2: expected a key"), "{e}");
        let e = parse_text("k 8;\n", "m.cfg").unwrap_err();
        assert!(e.to_string().contains("expected `=`"), "{e}");
        let e = parse_text("k = {8;\n", "m.cfg").unwrap_err();
        assert!(e.to_string().contains("missing `;`"), "{e}");
    }

    #[test]
    fn overrides() {
        let a = parse_override("injection_rate=0.3").unwrap();
        assert_eq!(
            (a.key.as_str(), a.value.as_str()),
            ("injection_rate", "0.3")
        );
        assert_eq!(a.origin.describe(), "command line");
        assert!(parse_override("injection_rate").is_err());
        assert!(parse_override("=3").is_err());
        assert!(parse_override("k=").is_err());
    }
}
