//! The text domain: long documents (books, reports, guides) written one unit per step.
//!
//! A text run writes `outline.md` first (format in `outline`), then one file per unit
//! (`chapters/NN-slug.md`), keeping `notes.md` (names, terms and facts decided so far) up to
//! date; that file is shown in every step's context so late chapters agree with early ones.
//! The built-in checks (`checks`) gate every step like tests gate code, and at the end the units
//! are assembled (`assemble`) into book.md and book.html, and EPUB/PDF through pandoc
//! (`export`) when it is installed.

pub mod assemble;
pub mod checks;
pub mod cli;
pub mod export;
pub mod markdown;
pub mod outline;

use std::path::PathBuf;

pub use assemble::{assemble, Assembly};
pub use checks::{run_text_checks, Required, TextCheckOptions, DEFAULT_TOLERANCE};
pub use export::Format;
pub use outline::{Outline, Unit};

use crate::store::FileStore;

pub const OUTLINE_FILE: &str = "outline.md";
pub const NOTES_FILE: &str = "notes.md";
pub const BOOK_FILE: &str = "book.md";
pub const BOOK_HTML_FILE: &str = "book.html";
/// notes.md is cut (head and tail kept) to this many bytes in a step's context.
const NOTES_MAX_BYTES: usize = 4000;

#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("{0} is not a folder; give the run folder (the one holding outline.md)")]
    NotAFolder(PathBuf),
    /// Said to the user of `l2mac book`, not to a model: the store's own "does not exist" error
    /// tells a model to list files, which a user at a shell cannot do.
    #[error("{0} has no outline.md: give the folder of a text run (`l2mac run --domain text`), the one holding outline.md and chapters/")]
    NoOutline(PathBuf),
    #[error("file store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("outline.md cannot be used:\n{0}")]
    Outline(String),
    #[error("{0}")]
    Invalid(String),
}

/// The lengths a task states in words ("about 400 words each", "a 3,000-word report"), in the
/// order they appear, without repeats; numbers under 100 are not document lengths.
pub fn stated_word_counts(task: &str) -> Vec<u64> {
    let tokens: Vec<String> = task
        .split(|c: char| c.is_whitespace() || c == '-' || c == '(' || c == ')')
        .filter(|t| !t.is_empty())
        .map(|t| t.trim_end_matches([',', '.', ';', ':']).replace(',', ""))
        .collect();
    let mut out = Vec::new();
    for pair in tokens.windows(2) {
        let unit = pair[1].to_lowercase();
        if unit != "words" && unit != "word" {
            continue;
        }
        if let Ok(n) = pair[0].parse::<u64>() {
            // Smaller numbers are about titles or sentences ("headings of at most 6 words").
            if n >= 100 && !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// notes.md as shown in a step's context; empty when there is none.
pub fn notes_for_prompt(store: &FileStore) -> String {
    match store.read(NOTES_FILE) {
        Ok(text) => crate::exec::truncate_head_tail(text.trim(), NOTES_MAX_BYTES),
        Err(_) => String::new(),
    }
}

/// Reads and parses outline.md.
pub fn read_outline(store: &FileStore) -> Result<Outline, TextError> {
    let src = store.read(OUTLINE_FILE)?;
    outline::parse(&src).map_err(|problems| {
        TextError::Outline(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// What to make besides book.md and book.html.
#[derive(Debug, Clone, Default)]
pub struct BookOptions {
    pub epub: bool,
    pub pdf: bool,
    /// The pandoc program; None when it is not installed.
    pub pandoc: Option<PathBuf>,
}

/// The assembled book and each export's result (`Ok(file)` or `Err(why not)`).
#[derive(Debug, Clone, PartialEq)]
pub struct BookReport {
    pub assembly: Assembly,
    pub exports: Vec<(Format, Result<String, String>)>,
}

impl BookReport {
    /// One paragraph for the end of a run or of `l2mac book`.
    pub fn summary(&self) -> String {
        let a = &self.assembly;
        let mut out = format!(
            "{BOOK_FILE} and {BOOK_HTML_FILE}: \"{}\", {} of {} chapters, {} words",
            a.title, a.units_included, a.units_total, a.words
        );
        if !a.missing.is_empty() {
            out.push_str(&format!("; missing: {}", a.missing.join(", ")));
        }
        for (format, result) in &self.exports {
            match result {
                Ok(file) => out.push_str(&format!("; {} {file}", format.name())),
                Err(why) => out.push_str(&format!("; {why}")),
            }
        }
        out
    }
    /// Every export asked for was made.
    pub fn exports_ok(&self) -> bool {
        self.exports.iter().all(|(_, r)| r.is_ok())
    }
}

/// Assembles book.md and book.html from outline.md and the unit files, then the exports asked for.
pub async fn make_book(store: &FileStore, opts: &BookOptions) -> Result<BookReport, TextError> {
    let outline = read_outline(store)?;
    let assembly = assemble(store, &outline)?;
    let mut exports = Vec::new();
    let formats = [(opts.epub, Format::Epub), (opts.pdf, Format::Pdf)];
    for (_, format) in formats.into_iter().filter(|(wanted, _)| *wanted) {
        let result = export::export(
            store.root(),
            &assembly.title,
            &assembly.body,
            format,
            opts.pandoc.as_deref(),
        )
        .await;
        exports.push((format, result));
    }
    Ok(BookReport { assembly, exports })
}

/// The book at the end of a run: book.md, book.html, and an EPUB when pandoc is installed. The
/// returned line goes into the run report; a failure is reported there, never raised.
pub async fn finish_run(store: &FileStore) -> String {
    let opts = BookOptions {
        epub: true,
        pdf: false,
        pandoc: export::find_pandoc(),
    };
    match make_book(store, &opts).await {
        Ok(report) => report.summary(),
        Err(e) => format!("no book assembled: {e}"),
    }
}
