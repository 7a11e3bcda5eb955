//! Times: the files' fast RFC 3339 reader against the domain's (they must accept the same texts
//! and read the same instant), and Lima time written and read back.
#![no_main]

use chrono::{DateTime, SubsecRound, Utc};
use cuadre_core::time;
use libfuzzer_sys::fuzz_target;

#[derive(serde::Serialize, serde::Deserialize)]
struct At {
    #[serde(with = "time::serde_lima")]
    at: DateTime<Utc>,
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let fast = cuadre_files::text::parse_time(s);
    let domain = time::parse(s);
    assert_eq!(fast.as_ref().ok(), domain.as_ref().ok(), "{s:?}");
    let Ok(t) = domain else {
        return;
    };
    let written = time::format_lima(t);
    assert_eq!(
        time::parse(&written),
        Ok(t.trunc_subsecs(0)),
        "{s:?} written as {written}"
    );
    let _ = time::lima_date(t);
    let json = serde_json::to_string(&At { at: t }).expect("serialises");
    let back: At = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
    assert_eq!(back.at, t.trunc_subsecs(0), "{json}");
});
