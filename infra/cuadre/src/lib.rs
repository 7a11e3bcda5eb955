//! `cuadre`'s commands as a library: the binary (`src/main.rs`) parses the command line and runs
//! one of them; end-to-end tests start the local platform with [`dev::start`].

/// `println!` that never panics: a closed pipe (`cuadre tenant list | head`) is not a crash.
#[macro_export]
macro_rules! outln {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that never panics.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod context;
pub mod demo;
pub mod dev;
pub mod events;
pub mod reconcile;
pub mod sandbox;
pub mod tenant;
pub mod voucher;
pub mod webhook;
