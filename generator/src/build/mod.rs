//! `csp build`: renders the static site and writes the function's data.

use std::path::PathBuf;

/// Where `csp build` reads from and writes to.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub content: PathBuf,
    pub theme: PathBuf,
    pub out: PathBuf,
    pub data_out: PathBuf,
}

pub fn run(options: &BuildOptions) -> anyhow::Result<()> {
    anyhow::bail!("csp build is not available yet ({:?})", options.out)
}
