//! `infra/local-aws` as a child step: `up` (the emulator with the template's resources) and,
//! when `up` started the emulator, `down` at the end.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::env::AwsEnv;

#[derive(Debug, thiserror::Error)]
pub enum LocalAwsError {
    #[error("cannot run {script}: {source}")]
    Spawn {
        script: String,
        source: std::io::Error,
    },
    #[error("`infra/local-aws {command}` failed ({status}); see .local/moto.log\n{output}")]
    Failed {
        command: &'static str,
        status: String,
        output: String,
    },
    #[error("cannot read {path}: {source}")]
    EnvFile {
        path: String,
        source: std::io::Error,
    },
}

/// The emulator as `up` left it.
#[derive(Debug, Clone)]
pub struct LocalAws {
    pub repo: PathBuf,
    pub env: AwsEnv,
    /// `up` started moto_server (so `down` is ours to run); false when one was already running.
    pub started: bool,
    /// What `up` printed (the resources, the endpoint).
    pub report: String,
}

impl LocalAws {
    /// Runs `infra/local-aws up` in `repo` and reads `.local/aws.env`.
    pub async fn up(repo: &Path) -> Result<LocalAws, LocalAwsError> {
        let output = run(repo, "up").await?;
        let started = output
            .lines()
            .any(|l| l.starts_with("local-aws: moto_server started"));
        let path = repo.join(".local/aws.env");
        let env = AwsEnv::from_file(&path).map_err(|source| LocalAwsError::EnvFile {
            path: path.display().to_string(),
            source,
        })?;
        Ok(LocalAws {
            repo: repo.to_path_buf(),
            env,
            started,
            report: output,
        })
    }

    /// Runs `infra/local-aws down` if `up` started the emulator; otherwise leaves it running.
    pub async fn down_if_started(&self) -> Result<Option<String>, LocalAwsError> {
        if !self.started {
            return Ok(None);
        }
        run(&self.repo, "down").await.map(Some)
    }
}

async fn run(repo: &Path, command: &'static str) -> Result<String, LocalAwsError> {
    let script = repo.join("infra/local-aws");
    let output = tokio::process::Command::new(&script)
        .arg(command)
        .current_dir(repo)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|source| LocalAwsError::Spawn {
            script: script.display().to_string(),
            source,
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(LocalAwsError::Failed {
            command,
            status: output.status.to_string(),
            output: format!("{stdout}{}", String::from_utf8_lossy(&output.stderr)),
        });
    }
    Ok(stdout)
}

/// The repository root: the first of `start`'s ancestors holding `template.yaml` and
/// `infra/local-aws`.
pub fn find_repo(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("template.yaml").is_file() && dir.join("infra/local-aws").is_file())
        .map(Path::to_path_buf)
}
