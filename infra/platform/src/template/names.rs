//! The emulator's names for the template's resources, by `infra/local_aws.py`'s rules: kebab-case
//! of a logical id, and the physical name of a table, bucket or queue.

/// kebab-case of a PascalCase logical id, exactly as `infra/local_aws.py` does it (the same
/// word regex, `[A-Z]+[0-9]*(?=[A-Z][a-z]|\b)|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+`, by hand):
/// `VoucherUploadsDLQ` -> `voucher-uploads-dlq`.
pub fn kebab(name: &str) -> String {
    let c: Vec<char> = name.chars().collect();
    let n = c.len();
    let run =
        |from: usize, pred: fn(&char) -> bool| c[from..].iter().take_while(|x| pred(x)).count();
    let upper = |x: &char| x.is_ascii_uppercase();
    let lower = |x: &char| x.is_ascii_lowercase();
    let digit = |x: &char| x.is_ascii_digit();
    let word = |x: &char| x.is_alphanumeric() || *x == '_';
    // [A-Z]+[0-9]*(?=[A-Z][a-z]|\b), with the regex's backtracking
    let first = |i: usize| -> Option<usize> {
        let u = run(i, upper);
        for k in (1..=u).rev() {
            let d = if k == u { run(i + k, digit) } else { 0 };
            for dd in (0..=d).rev() {
                let e = i + k + dd;
                let camel = e + 1 < n && upper(&c[e]) && lower(&c[e + 1]);
                if camel || e == n || !word(&c[e]) {
                    return Some(e);
                }
            }
        }
        None
    };
    let mut words = Vec::new();
    let mut i = 0;
    while i < n {
        let end = first(i)
            .or_else(|| {
                // [A-Z]?[a-z]+[0-9]*
                let start = if upper(&c[i]) { i + 1 } else { i };
                let l = if start < n { run(start, lower) } else { 0 };
                (l > 0).then(|| start + l + run(start + l, digit))
            })
            .or_else(|| {
                // [A-Z]+[0-9]*
                let u = run(i, upper);
                (u > 0).then(|| i + u + run(i + u, digit))
            })
            .or_else(|| {
                // [0-9]+
                let d = run(i, digit);
                (d > 0).then_some(i + d)
            });
        match end {
            Some(e) => {
                words.push(c[i..e].iter().collect::<String>().to_lowercase());
                i = e;
            }
            None => i += 1,
        }
    }
    words.join("-")
}

/// The emulator's physical name of a table, bucket or queue (`infra/local_aws.py`'s rule):
/// kebab-case, a trailing `Bucket`/`Queue` dropped, `cuadre-` in front unless the id starts with
/// `Cuadre`.
pub fn local_name(logical_id: &str) -> String {
    let mut base = logical_id;
    for suffix in ["Bucket", "Queue"] {
        if let Some(stripped) = base.strip_suffix(suffix) {
            if !stripped.is_empty() {
                base = stripped;
                break;
            }
        }
    }
    let name = kebab(base);
    if logical_id.starts_with("Cuadre") {
        name
    } else {
        format!("cuadre-{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_match_the_emulator_script() {
        assert_eq!(local_name("CuadreTable"), "cuadre-table");
        assert_eq!(local_name("VouchersBucket"), "cuadre-vouchers");
        assert_eq!(local_name("VoucherUploadsQueue"), "cuadre-voucher-uploads");
        assert_eq!(
            local_name("VoucherUploadsDLQ"),
            "cuadre-voucher-uploads-dlq"
        );
        assert_eq!(local_name("ReconcileJobsDLQ"), "cuadre-reconcile-jobs-dlq");
        assert_eq!(kebab("IssueCode"), "issue-code");
        for (id, want) in [
            ("S3Events", "s3-events"),
            ("HTTPApi", "http-api"),
            ("Ab12Cd", "ab12-cd"),
            ("ABC123Def", "abc123-def"),
            ("X", "x"),
        ] {
            assert_eq!(kebab(id), want, "{id}");
        }
    }
}
