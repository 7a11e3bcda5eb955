//! Running the built `cuadre` binary in tests.

use std::process::{Output, Stdio};

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// The binary with a clean environment for what it reads (no inherited secret or stage).
pub fn cuadre() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cuadre"));
    for name in [
        "AWS_ENDPOINT_URL",
        "TABLE_NAME",
        "SECRETS_PREFIX",
        "CUADRE_STACK",
        "PAGOEFECTIVO_SECRET_KEY",
        "CUADRE_LOG",
    ] {
        cmd.env_remove(name);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Runs to completion, feeding `stdin` if given.
pub async fn run(mut cmd: Command, stdin: Option<&str>) -> Output {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("spawn cuadre");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // A command that refuses its arguments exits without reading stdin: a closed pipe is fine.
        match pipe.write_all(text.as_bytes()).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => panic!("write stdin: {e}"),
        }
        drop(pipe);
    }
    child.wait_with_output().await.expect("wait for cuadre")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Shows both streams when an assertion fails.
pub fn describe(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}
