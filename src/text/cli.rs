//! `l2mac book DIR`: checks a text run's folder (or any folder with an outline.md and its chapter
//! files) and assembles the book from it, without a model.

use std::path::PathBuf;

use super::checks::{run_text_checks, Required, TextCheckOptions, DEFAULT_TOLERANCE};
use super::{export, make_book, BookOptions, BookReport, TextError};
use crate::exec::{format_outcomes, CheckOutcome};
use crate::store::FileStore;

#[derive(clap::Args, Debug, Clone)]
pub struct BookArgs {
    /// The run folder: the one holding outline.md and the chapter files.
    pub dir: PathBuf,
    /// Also make book.pdf through pandoc (needs pandoc and a LaTeX engine).
    #[arg(long)]
    pub pdf: bool,
    /// Do not make book.epub, even when pandoc is installed.
    #[arg(long)]
    pub no_epub: bool,
    /// Allowed deviation from each chapter's target words, as a fraction (0.3: 70% to 130%).
    #[arg(long, default_value_t = DEFAULT_TOLERANCE)]
    pub tolerance: f64,
}

/// What `book` found and made.
#[derive(Debug, Clone, PartialEq)]
pub struct BookRun {
    pub checks: Vec<CheckOutcome>,
    pub book: BookReport,
}

impl BookRun {
    /// Checks pass and every requested format was made (an EPUB skipped for want of pandoc
    /// does not count against it, a requested PDF does).
    pub fn complete(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
            && self
                .book
                .exports
                .iter()
                .all(|(f, r)| r.is_ok() || *f == export::Format::Epub)
    }
}

/// Checks the folder and makes the book; `pandoc` overrides the PATH lookup (for tests).
pub async fn make(args: &BookArgs, pandoc: Option<PathBuf>) -> Result<BookRun, TextError> {
    if !args.dir.is_dir() {
        return Err(TextError::NotAFolder(args.dir.clone()));
    }
    if !args.dir.join(super::OUTLINE_FILE).is_file() {
        return Err(TextError::NoOutline(args.dir.clone()));
    }
    if !(0.0..1.0).contains(&args.tolerance) {
        return Err(TextError::Invalid(format!(
            "--tolerance {} is not a fraction between 0 and 1 (0.3 accepts 70% to 130% of each target)",
            args.tolerance
        )));
    }
    let store = FileStore::open(&args.dir)?;
    let checks = run_text_checks(
        &store,
        &TextCheckOptions {
            required: Required::All,
            tolerance: args.tolerance,
            max_units: None,
            require_notes: false,
        },
    );
    let book = make_book(
        &store,
        &BookOptions {
            epub: !args.no_epub,
            pdf: args.pdf,
            pandoc,
        },
    )
    .await?;
    Ok(BookRun { checks, book })
}

/// The command: prints the checks and what was made; `Ok(true)` when the book is complete.
pub async fn book(args: BookArgs) -> Result<bool, TextError> {
    let run = make(&args, export::find_pandoc()).await?;
    println!("{}", format_outcomes(&run.checks).trim_end());
    println!();
    println!("{}", run.book.summary());
    Ok(run.complete())
}
