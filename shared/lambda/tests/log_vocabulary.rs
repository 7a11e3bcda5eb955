//! Every function logs the same concept under the same field name, so one CloudWatch Logs
//! Insights query (`filter order_id = "A-1"`) finds a payment's whole story across functions.
//!
//! # The vocabulary
//!
//! `tenant_id`, `order_id`, `cip`, `operation_number`, `exception_id`, `event_id`: the names the
//! records, the API and the merchant events already use.
//!
//! # The rule
//!
//! 1. An identifier is logged as `<thing>_id`, in snake_case, `<thing>` being what the records
//!    call it: `tenant_id`, `order_id`, `exception_id`, `event_id`, and likewise `refund_id`,
//!    `voucher_id`, `run_id`, `message_id`. A bare `tenant`, `order`, `exception`, `event`,
//!    `refund` or `voucher` is refused, and so is a merchant spelled as such (`merchant`,
//!    `merchant_id`: a merchant is a tenant).
//! 2. PagoEfectivo's own two ids keep PagoEfectivo's names: `cip` and `operation_number` (not
//!    `cip_id`, `cip_code`, `op`, `operation`, `op_number`, `operation_id`). Our order id is
//!    `order_id` even where the gateway calls it `transaction_code`.
//! 3. Field names are snake_case: any capital letter (`tenantId`, `orderId`) is refused.
//! 4. The field is the bare name: a dotted field (`order.order_id`, which tracing's
//!    `%order.order_id` shorthand produces) ending in a vocabulary word or a refused spelling is
//!    refused too; write `order_id = %order.order_id`.
//!
//! Only field names are checked: a message's text (`"order paid"`), the span name
//! (`info_span!("voucher", …)`) and format arguments are not fields.
//!
//! Scanned: field names in `tracing::{trace,debug,info,warn,error,event}!`, `*_span!` / `span!`
//! and `#[instrument(fields(…))]` in every `functions/*/src`, `shared/*/src` and `infra/*/src`
//! `.rs` file. This test fails until every crate follows the rule; the failure lists each
//! `file:line` with the name to use.

use std::path::{Path, PathBuf};

/// The spellings refused, each with the name to use instead.
const REFUSED: &[(&str, &str)] = &[
    ("tenant", "tenant_id"),
    ("merchant", "tenant_id"),
    ("merchant_id", "tenant_id"),
    ("order", "order_id"),
    ("transaction_code", "order_id"),
    ("exception", "exception_id"),
    ("event", "event_id"),
    ("evt", "event_id"),
    ("evt_id", "event_id"),
    ("refund", "refund_id"),
    ("voucher", "voucher_id"),
    ("op", "operation_number"),
    ("operation", "operation_number"),
    ("op_number", "operation_number"),
    ("op_id", "operation_number"),
    ("operation_id", "operation_number"),
    ("cip_id", "cip"),
    ("cip_code", "cip"),
];

const VOCABULARY: &[&str] = &[
    "tenant_id",
    "order_id",
    "cip",
    "operation_number",
    "exception_id",
    "event_id",
];

const EVENT_MACROS: &[&str] = &["trace", "debug", "info", "warn", "error", "event"];
const SPAN_MACROS: &[&str] = &[
    "trace_span",
    "debug_span",
    "info_span",
    "warn_span",
    "error_span",
    "span",
];

/// A field name the rule refuses, where it is and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub field: String,
    pub use_instead: String,
}

/// Why a field name is refused: the name to use instead, or `None` when it is fine.
fn refusal(field: &str) -> Option<String> {
    if field.chars().any(|c| c.is_ascii_uppercase()) {
        let snake = to_snake(field);
        return Some(refusal(&snake).unwrap_or(snake));
    }
    if let Some((_, last)) = field.rsplit_once('.') {
        if VOCABULARY.contains(&last) {
            return Some(last.to_string());
        }
        return refusal(last);
    }
    REFUSED
        .iter()
        .find(|(wrong, _)| *wrong == field)
        .map(|(_, right)| right.to_string())
}

fn to_snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() && !out.ends_with(['_', '.']) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
    Other,
}

/// Rust source as tokens with their lines; comments dropped, string contents kept whole (so no
/// text inside a literal or a comment is ever read as code).
fn tokens(src: &str) -> Vec<(usize, Tok)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let count_lines =
        |from: usize, to: usize| chars[from..to].iter().filter(|c| **c == '\n').count();
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let (start, mut depth) = (i, 0);
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            line += count_lines(start, i.min(chars.len()));
        } else if let Some((end, text)) = string_literal(&chars, i) {
            out.push((line, Tok::Str(text)));
            line += count_lines(i, end);
            i = end;
        } else if c == '\'' {
            // A char literal ('a', '\n', '\'') or a lifetime ('a).
            if next == Some('\\') {
                i += 3;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
            out.push((line, Tok::Other));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let mut word: String = chars[start..i].iter().collect();
            if word == "r" && chars.get(i) == Some(&'#') {
                // A raw identifier, `r#type`: its name is what follows the `#`.
                let s = i + 1;
                i = s;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                word = chars[s..i].iter().collect();
            }
            out.push((line, Tok::Ident(word)));
        } else {
            out.push((line, Tok::Punct(c)));
            i += 1;
        }
    }
    out
}

/// A string literal starting at `i` (`"…"`, `r#"…"#`, `b"…"`, `br"…"`): where it ends and its text.
fn string_literal(chars: &[char], i: usize) -> Option<(usize, String)> {
    let mut j = i;
    if chars.get(j) == Some(&'b') || chars.get(j) == Some(&'c') {
        j += 1;
    }
    let raw = chars.get(j) == Some(&'r');
    if raw {
        j += 1;
    }
    let mut hashes = 0;
    while raw && chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if chars.get(j) != Some(&'"') {
        return None;
    }
    // An identifier that merely ends in b or r (`arb"`) is not a prefix: the caller only asks at
    // the start of a token.
    let start = j + 1;
    j = start;
    while j < chars.len() {
        if !raw && chars[j] == '\\' {
            j += 2;
            continue;
        }
        if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
            let text = chars[start..j].iter().collect();
            return Some((j + 1 + hashes, text));
        }
        j += 1;
    }
    Some((chars.len(), chars[start..].iter().collect()))
}

/// The tokens inside the delimiter opening at `open` (exclusive), and the index after its close.
fn group(toks: &[(usize, Tok)], open: usize) -> (&[(usize, Tok)], usize) {
    let mut depth = 0;
    for (k, (_, t)) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return (&toks[open + 1..k], k + 1);
                }
            }
            _ => {}
        }
    }
    (&toks[(open + 1).min(toks.len())..], toks.len())
}

/// Splits a macro's arguments at its top-level commas.
fn arguments(toks: &[(usize, Tok)]) -> Vec<&[(usize, Tok)]> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0, 0);
    for (k, (_, t)) in toks.iter().enumerate() {
        match t {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                out.push(&toks[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    if start < toks.len() {
        out.push(&toks[start..]);
    }
    out
}

/// The field one macro argument names, if it names one: `a = …`, `a.b = …`, `%a`, `?a.b`, `a`,
/// `"a.b" = …`.
fn field_of(arg: &[(usize, Tok)]) -> Option<(usize, String)> {
    let mut k = 0;
    if matches!(arg.first(), Some((_, Tok::Punct('%' | '?')))) {
        k = 1;
    }
    let (line, first) = arg.get(k)?;
    if let Tok::Str(name) = first {
        return matches!(arg.get(k + 1), Some((_, Tok::Punct('=')))).then(|| (*line, name.clone()));
    }
    let Tok::Ident(word) = first else {
        return None;
    };
    let mut name = word.clone();
    k += 1;
    while let (Some((_, Tok::Punct('.'))), Some((_, Tok::Ident(part)))) =
        (arg.get(k), arg.get(k + 1))
    {
        name.push('.');
        name.push_str(part);
        k += 2;
    }
    match arg.get(k) {
        None => Some((*line, name)),
        Some((_, Tok::Punct('='))) if !matches!(arg.get(k + 1), Some((_, Tok::Punct('=')))) => {
            Some((*line, name))
        }
        _ => None,
    }
}

/// Every field name that the tracing macros and `#[instrument(fields(…))]` in `src` log.
pub fn tracing_fields(src: &str) -> Vec<(usize, String)> {
    let toks = tokens(src);
    let mut fields = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let is = |k: usize, t: Tok| toks.get(k).map(|(_, x)| x) == Some(&t);
        let Tok::Ident(word) = &toks[i].1 else {
            i += 1;
            continue;
        };
        let event = EVENT_MACROS.contains(&word.as_str());
        let span = SPAN_MACROS.contains(&word.as_str());
        let bracketed = |k: usize| matches!(toks.get(k), Some((_, Tok::Punct('(' | '[' | '{'))));
        if (event || span) && is(i + 1, Tok::Punct('!')) && bracketed(i + 2) {
            let (inside, after) = group(&toks, i + 2);
            let mut named = !span;
            for arg in arguments(inside) {
                let is_message = matches!(arg.first(), Some((_, Tok::Str(_))))
                    && !matches!(arg.get(1), Some((_, Tok::Punct('='))));
                if is_message {
                    // A span's first string is its name and its fields follow; an event's
                    // message ends its fields (what follows are format arguments).
                    if named {
                        break;
                    }
                    named = true;
                    continue;
                }
                // `target: …`, `parent: …`, `name: …`
                if matches!(arg.get(1), Some((_, Tok::Punct(':'))))
                    && !matches!(arg.get(2), Some((_, Tok::Punct(':'))))
                {
                    continue;
                }
                fields.extend(field_of(arg));
            }
            i = after;
            continue;
        }
        if word == "instrument" && i >= 2 && bracketed(i + 1) {
            let attribute = is(i - 1, Tok::Punct('['))
                || (is(i - 1, Tok::Punct(':')) && is(i - 2, Tok::Punct(':')));
            if attribute {
                let (inside, after) = group(&toks, i + 1);
                for (k, (_, t)) in inside.iter().enumerate() {
                    if *t == Tok::Ident("fields".into())
                        && matches!(inside.get(k + 1), Some((_, Tok::Punct('('))))
                    {
                        let (list, _) = group(inside, k + 1);
                        fields.extend(arguments(list).into_iter().filter_map(field_of));
                    }
                }
                i = after;
                continue;
            }
        }
        i += 1;
    }
    fields
}

/// The refused field names in one source file.
pub fn scan(src: &str) -> Vec<Finding> {
    tracing_fields(src)
        .into_iter()
        .filter_map(|(line, field)| {
            refusal(&field).map(|use_instead| Finding {
                line,
                field,
                use_instead,
            })
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("shared/lambda sits two levels below the workspace root")
        .to_path_buf()
}

#[test]
fn every_crate_logs_the_vocabulary() {
    let root = workspace_root();
    let mut files = Vec::new();
    for group in ["functions", "shared", "infra"] {
        let Ok(crates) = std::fs::read_dir(root.join(group)) else {
            continue;
        };
        for krate in crates.flatten() {
            rust_files(&krate.path().join("src"), &mut files);
        }
    }
    files.sort();
    assert!(files.len() > 20, "the scan found the workspace's sources");
    let mut report = Vec::new();
    for file in &files {
        let src = std::fs::read_to_string(file).unwrap();
        for f in scan(&src) {
            let shown = file.strip_prefix(&root).unwrap_or(file).display();
            report.push(format!(
                "{shown}:{}: `{}` → `{}`",
                f.line, f.field, f.use_instead
            ));
        }
    }
    assert!(
        report.is_empty(),
        "log fields outside the vocabulary (see this test's doc for the rule):\n{}",
        report.join("\n")
    );
}

#[test]
fn the_scanner_finds_a_planted_wrong_name_and_not_message_text() {
    let src = r#"
        fn f() {
            // tracing::info!(tenant = 1, "a comment is not code");
            let doc = "tracing::info!(order = 1)";
            tracing::info!(tenant_id = %t, order = %o.order_id, "order paid for tenant {tenant}");
            tracing::warn!(
                %order.order_id,
                ?exception,
                cip = %c,
                operation_number = n,
                "tenant order exception event voucher",
            );
            info!(target: "cuadre", tenantId = 1, "x {}", event);
            let span = tracing::info_span!("voucher", voucher_id = %v, "opId" = 1, op = 2);
            let s = tracing::span!(Level::INFO, "event", event_id = %e);
        }
        #[tracing::instrument(skip_all, fields(tenant = %t, event_id))]
        async fn g() {}
    "#;
    let findings = scan(src);
    let found: Vec<(usize, &str, &str)> = findings
        .iter()
        .map(|f| (f.line, f.field.as_str(), f.use_instead.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (5, "order", "order_id"),
            (7, "order.order_id", "order_id"),
            (8, "exception", "exception_id"),
            (13, "tenantId", "tenant_id"),
            (14, "opId", "operation_number"),
            (14, "op", "operation_number"),
            (17, "tenant", "tenant_id"),
        ]
    );
    let fields: Vec<String> = tracing_fields(src).into_iter().map(|(_, f)| f).collect();
    for message_word in ["voucher", "event", "cuadre"] {
        assert!(
            !fields.iter().any(|f| f == message_word),
            "{message_word} is message text or a span name, not a field: {fields:?}"
        );
    }
    assert!(fields.contains(&"voucher_id".to_string()));
    assert!(fields.contains(&"event_id".to_string()));
    assert!(scan("tracing::info!(tenant_id = %t, order_id = %o, cip = %c, \"ok\");").is_empty());
}
