//! Prints one generated receipt: its lines (noisy text, and the clean text when it differs) and
//! its truth. `cargo run -p cuadre-receipts --example receipt -- 42 [out.png]`

fn main() {
    let mut args = std::env::args().skip(1);
    let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(42);
    let r = cuadre_receipts::generate(seed);
    println!(
        "seed {} layout {} noise {} angle {:.2} aspect {:.2}{}",
        r.seed,
        r.layout,
        r.noise,
        r.angle_deg,
        r.aspect,
        if r.monospace { " monospace" } else { "" }
    );
    for l in &r.lines {
        let clean = if l.clean == l.text {
            String::new()
        } else {
            format!("   [clean: {}]", l.clean)
        };
        println!(
            "{:5.3} {:5.3} {:5.1}  {}{}",
            l.left, l.top, l.confidence, l.text, clean
        );
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&r.truth).unwrap_or_default()
    );
    if let Some(path) = args.next() {
        match cuadre_receipts::render_png(&r) {
            Ok(png) => {
                if let Err(e) = std::fs::write(&path, png) {
                    eprintln!("{path}: {e}");
                }
            }
            Err(e) => eprintln!("{e}"),
        }
    }
}
