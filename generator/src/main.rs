//! `csp`: check, build and serve the Cloud-Service-Portal. Only argument parsing lives here.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "csp",
    version,
    about = "Cloud-Service-Portal: Inhalte prüfen, Portal bauen und lokal ansehen"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every content file and report all problems (exit 1 if there are any).
    Check {
        #[arg(long, default_value = "content")]
        content: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Render the static site into --out and the function's data next to it.
    Build {
        #[arg(long, default_value = "content")]
        content: PathBuf,
        #[arg(long, default_value = "themes/default")]
        theme: PathBuf,
        #[arg(long, default_value = "public")]
        out: PathBuf,
        /// Search index and catalog snapshot for the function (never published).
        #[arg(long, default_value = "function-data")]
        data_out: PathBuf,
    },
    /// Build and serve the whole portal locally, rebuilding on every change.
    Serve {
        #[arg(long, default_value = "content")]
        content: PathBuf,
        #[arg(long, default_value = "themes/default")]
        theme: PathBuf,
        #[arg(long, default_value_t = 8080)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Poll for changes (network drives, containers) instead of inotify.
        #[arg(long)]
        poll: bool,
        /// Where the preview keeps its site, data, store and mails.
        #[arg(long, default_value = ".csp")]
        state_dir: PathBuf,
        /// Send the function's mails to this SMTP server (`smtp://host:port`, lettre's URL
        /// syntax) instead of writing them as .eml files into the state folder.
        #[arg(long)]
        smtp: Option<String>,
    },
    /// Create new content from a template.
    New {
        #[command(subcommand)]
        what: NewWhat,
    },
    /// Write the JSON Schemas of the content files into a folder.
    Schema {
        #[arg(long, default_value = "schema")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum NewWhat {
    /// A complete offering skeleton at content/offerings/<ID>.yaml.
    Offering {
        id: String,
        #[arg(long)]
        provider: String,
        #[arg(long, default_value = "content")]
        content: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Github,
}

/// What a `csp` built as the providers' gate (`--no-default-features`) says to `build` or
/// `serve`.
#[cfg(not(all(feature = "build", feature = "serve")))]
fn without(command: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "Dieses csp wurde ohne `{command}` gebaut (nur prüfen und anlegen). Bauen Sie es mit `cargo build --release -p generator --bin csp`, um die Seite zu bauen oder anzusehen."
    )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { content, format } => {
            let format = match format {
                Format::Human => generator::check::ReportFormat::Human,
                Format::Json => generator::check::ReportFormat::Json,
                Format::Github => generator::check::ReportFormat::Github,
            };
            return generator::check::run(&content, format);
        }
        #[cfg(feature = "build")]
        Command::Build {
            content,
            theme,
            out,
            data_out,
        } => generator::build::run(&generator::build::BuildOptions {
            content,
            theme,
            out,
            data_out,
        }),
        #[cfg(feature = "serve")]
        Command::Serve {
            content,
            theme,
            port,
            bind,
            poll,
            state_dir,
            smtp,
        } => generator::serve::run(generator::serve::ServeOptions {
            content,
            theme,
            bind,
            port,
            poll,
            state_dir,
            smtp,
        }),
        #[cfg(not(feature = "build"))]
        Command::Build { .. } => Err(without("build")),
        #[cfg(not(feature = "serve"))]
        Command::Serve { .. } => Err(without("serve")),
        Command::New {
            what:
                NewWhat::Offering {
                    id,
                    provider,
                    content,
                },
        } => generator::scaffold::run_new_offering(&content, &id, &provider),
        Command::Schema { out } => generator::scaffold::write_schemas(&out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Fehler: {error:#}");
            ExitCode::FAILURE
        }
    }
}
