//! EPUB and PDF through pandoc, when it is installed. Pandoc is optional: without it the book
//! still exists as book.md and book.html, and the user is told how to get the other formats.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

/// Pandoc gets this long per format before it is killed.
const PANDOC_TIMEOUT: Duration = Duration::from_secs(300);
/// Characters of pandoc's error output shown when it fails.
const ERROR_CHARS: usize = 600;

pub const INSTALL_HINT: &str = "install pandoc (Debian/Ubuntu: `apt-get install pandoc`, macOS: `brew install pandoc`), then run `l2mac book DIR`";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Epub,
    Pdf,
}

impl Format {
    pub fn file(&self) -> &'static str {
        match self {
            Format::Epub => "book.epub",
            Format::Pdf => "book.pdf",
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Format::Epub => "EPUB",
            Format::Pdf => "PDF",
        }
    }
}

/// The first `pandoc` on PATH.
pub fn find_pandoc() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("pandoc"))
        .find(|p| p.is_file())
}

/// Converts `body` (the book without its own title and contents; pandoc makes both) into
/// `format` in `dir`. `Ok(file)` when it was written, `Err(message)` saying why not.
pub async fn export(
    dir: &Path,
    title: &str,
    body: &str,
    format: Format,
    pandoc: Option<&Path>,
) -> Result<String, String> {
    let Some(pandoc) = pandoc else {
        let mut msg = format!(
            "no {} made: pandoc is not installed; {INSTALL_HINT}",
            format.name()
        );
        if format == Format::Pdf {
            msg.push_str(
                " --pdf (a PDF also needs LaTeX: `apt-get install texlive-latex-recommended`)",
            );
        }
        return Err(msg);
    };
    let mut child = tokio::process::Command::new(pandoc)
        .current_dir(dir)
        // The chapters are GitHub-flavoured Markdown, and gfm's anchors match book.html's.
        .args(["--from", "gfm", "--toc", "--standalone", "--metadata"])
        .arg(format!("title={title}"))
        .args(["--output", format.file()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            format!(
                "no {} made: pandoc ({}) could not start: {e}",
                format.name(),
                pandoc.display()
            )
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A pandoc that exits early closes its input; its exit status tells why.
        let _ = stdin.write_all(body.as_bytes()).await;
    }
    let output = match tokio::time::timeout(PANDOC_TIMEOUT, child.wait_with_output()).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return Err(format!("no {} made: pandoc failed: {e}", format.name())),
        Err(_) => {
            return Err(format!(
                "no {} made: pandoc took more than {} s and was stopped",
                format.name(),
                PANDOC_TIMEOUT.as_secs()
            ))
        }
    };
    if output.status.success() && dir.join(format.file()).is_file() {
        return Ok(format.file().to_string());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: String = stderr
        .trim()
        .chars()
        .rev()
        .take(ERROR_CHARS)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut msg = format!(
        "no {} made: pandoc exited with {}: {tail}",
        format.name(),
        output.status
    );
    if format == Format::Pdf {
        msg.push_str(" (a PDF needs a LaTeX engine: `apt-get install texlive-latex-recommended`)");
    }
    Err(msg)
}
