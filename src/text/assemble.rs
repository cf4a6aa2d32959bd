//! Assembly: the chapter files, in outline order, become one `book.md` with a table of contents
//! and one self-contained `book.html`. Links between chapter files become links to anchors
//! inside the book, so they keep working once everything is one file.

use std::collections::HashMap;

use pulldown_cmark::{html, CowStr, Event, Parser, Tag};

use super::checks::resolve_relative;
use super::markdown::{self, Heading, Slugger};
use super::outline::Outline;
use super::{TextError, BOOK_FILE, BOOK_HTML_FILE};
use crate::store::FileStore;

/// What was assembled.
#[derive(Debug, Clone, PartialEq)]
pub struct Assembly {
    pub title: String,
    /// Units included, of the outline's total.
    pub units_included: usize,
    pub units_total: usize,
    /// Files of units that do not exist yet (left out).
    pub missing: Vec<String>,
    /// Words of the included units.
    pub words: usize,
    /// The book without its title and table of contents (what pandoc gets: it makes its own).
    pub body: String,
}

struct Piece {
    /// The unit file, or None for a part heading.
    file: Option<String>,
    /// The outline's name for it (for the table of contents).
    name: String,
    text: String,
    /// Headings with their anchors inside the whole book.
    global: Vec<Heading>,
}

/// Builds book.md and book.html in the store from the outline and the unit files that exist.
pub fn assemble(store: &FileStore, outline: &Outline) -> Result<Assembly, TextError> {
    let mut pieces: Vec<Piece> = Vec::new();
    let mut missing = Vec::new();
    let mut words = 0;
    let mut current_part = None;
    for unit in &outline.units {
        let text = match store.read(&unit.file) {
            Ok(t) => t,
            Err(crate::store::StoreError::NotFound { .. }) => {
                missing.push(unit.file.clone());
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if unit.part != current_part {
            if let Some(name) = unit.part.and_then(|p| outline.parts.get(p)) {
                pieces.push(Piece {
                    file: None,
                    name: name.clone(),
                    text: format!("# {name}"),
                    global: Vec::new(),
                });
            }
            current_part = unit.part;
        }
        words += markdown::word_count(&text);
        pieces.push(Piece {
            file: Some(unit.file.clone()),
            name: unit.title.clone(),
            text: text.trim().to_string(),
            global: Vec::new(),
        });
    }

    // Anchors in book order, as the HTML renderer (and pandoc's gfm reader) will number them:
    // the title and "Contents" come first.
    let mut slugger = Slugger::default();
    slugger.slug(&outline.title);
    slugger.slug("Contents");
    for piece in &mut pieces {
        piece.global = markdown::headings_with(&piece.text, &mut slugger);
    }
    // (file, local anchor) -> anchor in the book; a file alone -> its first heading.
    let mut anchors: HashMap<(String, String), String> = HashMap::new();
    for piece in &pieces {
        let Some(file) = &piece.file else { continue };
        if let Some(first) = piece.global.first() {
            anchors.insert((file.clone(), String::new()), first.anchor.clone());
        }
        for (local, global) in markdown::headings(&piece.text).iter().zip(&piece.global) {
            anchors.insert((file.clone(), local.anchor.clone()), global.anchor.clone());
        }
    }

    let mut body = String::new();
    for piece in &pieces {
        let text = match &piece.file {
            Some(file) => {
                markdown::rewrite_links(&piece.text, |dest| book_link(file, dest, &anchors))
            }
            None => piece.text.clone(),
        };
        body.push_str(&text);
        body.push_str("\n\n");
    }

    let mut book = format!("# {}\n\n## Contents\n\n", outline.title);
    for piece in &pieces {
        let first = piece.global.first();
        match &piece.file {
            None => book.push_str(&toc_line(0, &piece.name, first)),
            Some(_) => {
                let indent = usize::from(current_part_before(&pieces, piece));
                book.push_str(&toc_line(indent, &piece.name, first));
                for h in piece.global.iter().skip(1).filter(|h| h.level == 2) {
                    book.push_str(&toc_line(indent + 1, &h.text, Some(h)));
                }
            }
        }
    }
    book.push('\n');
    book.push_str(&body);
    let book = format!("{}\n", book.trim_end());
    store.write(BOOK_FILE, &book)?;
    store.write(BOOK_HTML_FILE, &render_html(&outline.title, &book))?;
    Ok(Assembly {
        title: outline.title.clone(),
        units_included: pieces.iter().filter(|p| p.file.is_some()).count(),
        units_total: outline.units.len(),
        missing,
        words,
        body,
    })
}

/// Whether a part heading comes before this piece (its chapters are indented under it).
fn current_part_before(pieces: &[Piece], piece: &Piece) -> bool {
    pieces
        .iter()
        .take_while(|p| !std::ptr::eq(*p, piece))
        .any(|p| p.file.is_none())
}

fn toc_line(indent: usize, name: &str, target: Option<&Heading>) -> String {
    let name = name.replace('[', "\\[").replace(']', "\\]");
    let pad = "  ".repeat(indent);
    match target {
        Some(h) => format!("{pad}- [{name}](#{})\n", h.anchor),
        None => format!("{pad}- {name}\n"),
    }
}

/// A chapter's link as it must read inside the book, or None to keep it.
fn book_link(
    file: &str,
    dest: &str,
    anchors: &HashMap<(String, String), String>,
) -> Option<String> {
    if dest.contains(':') || dest.starts_with('/') {
        return None;
    }
    let (path, fragment) = dest.split_once('#').unwrap_or((dest, ""));
    let target = if path.is_empty() {
        file.to_string()
    } else {
        resolve_relative(file, &path.replace("%20", " "))?
    };
    if let Some(anchor) = anchors.get(&(target.clone(), fragment.to_string())) {
        return Some(format!("#{anchor}"));
    }
    // Not a chapter (an image, a data file): keep it reachable from the book's folder.
    (!path.is_empty()).then(|| {
        if fragment.is_empty() {
            target
        } else {
            format!("{target}#{fragment}")
        }
    })
}

/// A standalone HTML page; every heading gets the anchor the table of contents links to.
pub fn render_html(title: &str, book: &str) -> String {
    let ids: Vec<String> = markdown::headings(book)
        .into_iter()
        .map(|h| h.anchor)
        .collect();
    let mut next = ids.into_iter();
    let events = Parser::new_ext(book, markdown::options()).map(|event| match event {
        Event::Start(Tag::Heading {
            level,
            id: None,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level,
            id: next.next().map(CowStr::from),
            classes,
            attrs,
        }),
        other => other,
    });
    let mut content = String::new();
    html::push_html(&mut content, events);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\nbody {{ max-width: 46em; margin: 2em auto; padding: 0 1em; font-family: Georgia, serif; line-height: 1.6; }}\npre, code {{ font-family: Menlo, Consolas, monospace; font-size: 0.9em; }}\npre {{ background: #f5f5f5; padding: 0.8em; overflow-x: auto; }}\nh1 {{ margin-top: 2.5em; }}\ntable {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; }}\n</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        escape_html(title),
        content
    )
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
