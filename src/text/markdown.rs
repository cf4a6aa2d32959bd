//! What the text checks and the assembler need to know about a Markdown file, read with
//! pulldown-cmark so that code blocks, containers and escapes are handled as a renderer would:
//! headings with their anchors, links, word counts and structural problems.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{BrokenLink, CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

/// The Markdown dialect of text runs: CommonMark plus the GitHub extensions pandoc also reads.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 for `#`, 2 for `##`, ...
    pub level: u8,
    /// The heading's text without markup.
    pub text: String,
    /// The anchor a link uses to reach it (`#anchor`), unique within the parsed text.
    pub anchor: String,
    /// 1-based line of the heading.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The destination as resolved by the parser (reference links resolved to their definition).
    pub dest: String,
    pub line: usize,
    pub is_image: bool,
}

/// A structural problem a renderer would silently get wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// Byte offset -> 1-based line number.
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// Hands out GitHub-style anchors: lower case, letters, digits, `-` and `_` kept, each space a
/// `-`, everything else dropped; a repeated anchor gets `-1`, `-2`, ... Pandoc produces the same
/// with its `gfm_auto_identifiers` extension, so links work in book.html and the EPUB alike.
#[derive(Debug, Default, Clone)]
pub struct Slugger {
    seen: HashMap<String, usize>,
}

impl Slugger {
    pub fn slug(&mut self, text: &str) -> String {
        let mut base: String = text
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        if base.is_empty() {
            base = "section".to_string();
        }
        let n = self.seen.entry(base.clone()).or_insert(0);
        let out = if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        *n += 1;
        out
    }
}

/// All headings of `src` with anchors, numbered as if `slugger` had already seen earlier text.
pub fn headings_with(src: &str, slugger: &mut Slugger) -> Vec<Heading> {
    let lines = Lines::new(src);
    let mut out = Vec::new();
    let mut current: Option<(u8, String, usize)> = None;
    for (event, range) in Parser::new_ext(src, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                current = Some((level as u8, String::new(), lines.line_of(range.start)));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text, _)) = current.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text, line)) = current.take() {
                    let text = text.trim().to_string();
                    out.push(Heading {
                        level,
                        anchor: slugger.slug(&text),
                        text,
                        line,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

pub fn headings(src: &str) -> Vec<Heading> {
    headings_with(src, &mut Slugger::default())
}

/// Every link and image of `src`, with reference links resolved.
pub fn links(src: &str) -> Vec<Link> {
    let lines = Lines::new(src);
    Parser::new_ext(src, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. }) => Some(Link {
                dest: dest_url.to_string(),
                line: lines.line_of(range.start),
                is_image: false,
            }),
            Event::Start(Tag::Image { dest_url, .. }) => Some(Link {
                dest: dest_url.to_string(),
                line: lines.line_of(range.start),
                is_image: true,
            }),
            _ => None,
        })
        .collect()
}

/// Words of the text as a reader sees it (markup not counted): runs of non-space characters
/// that contain a letter or digit, in prose, headings and code alike.
pub fn word_count(src: &str) -> usize {
    let mut text = String::with_capacity(src.len());
    for event in Parser::new_ext(src, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            // Inline markup sits inside words ("**bold**ly"); block edges and breaks separate them.
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. })
            | Event::End(
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link,
            ) => {}
            _ => text.push(' '),
        }
    }
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Structural problems: code fences never closed, `#Title` lines that are not headings, and
/// reference links whose definition is missing.
pub fn problems(src: &str) -> Vec<Problem> {
    let lines = Lines::new(src);
    let mut out = Vec::new();
    let mut broken: Vec<(usize, String)> = Vec::new();
    let mut code_ranges: Vec<Range<usize>> = Vec::new();
    {
        let callback = |link: BrokenLink<'_>| {
            if matches!(link.link_type, LinkType::Reference | LinkType::Collapsed) {
                broken.push((link.span.start, link.reference.to_string()));
            }
            None
        };
        let parser = Parser::new_with_broken_link_callback(src, options(), Some(callback));
        for (event, range) in parser.into_offset_iter() {
            if let Event::Start(Tag::CodeBlock(kind)) = event {
                if matches!(kind, CodeBlockKind::Fenced(_)) && !fence_closed(&src[range.clone()]) {
                    out.push(Problem {
                        line: lines.line_of(range.start),
                        message: "this code block's fence is never closed, so everything after it shows as code; add the closing fence line".to_string(),
                    });
                }
                code_ranges.push(range);
            }
        }
    }
    for (offset, reference) in broken {
        out.push(Problem {
            line: lines.line_of(offset),
            message: format!(
                "the link reference [{reference}] has no definition; add a line `[{reference}]: TARGET` or write the link inline"
            ),
        });
    }
    let mut offset = 0;
    for (i, line) in src.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        if code_ranges.iter().any(|r| r.contains(&start)) {
            continue;
        }
        let trimmed = line.trim_start();
        let hashes = trimmed.len() - trimmed.trim_start_matches('#').len();
        if (1..=6).contains(&hashes)
            && trimmed[hashes..].starts_with(char::is_alphabetic)
            && line.len() - trimmed.len() < 4
        {
            out.push(Problem {
                line: i + 1,
                message: format!(
                    "`{}` is not a heading in Markdown (no space after the #); write `{} {}`",
                    trimmed.trim_end(),
                    &trimmed[..hashes],
                    trimmed[hashes..].trim_end()
                ),
            });
        }
    }
    out.sort_by_key(|p| p.line);
    out
}

/// Rewrites link and image destinations: `map` gets each destination as written and returns
/// the new one (None keeps it). Inline links are edited where they stand, reference links in
/// their definition; a destination that cannot be found in the source (written with escapes) is
/// left alone.
pub fn rewrite_links(src: &str, mut map: impl FnMut(&str) -> Option<String>) -> String {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut iter = Parser::new_ext(src, options()).into_offset_iter();
    for (event, range) in iter.by_ref() {
        let dest = match &event {
            Event::Start(Tag::Link {
                link_type: LinkType::Inline,
                dest_url,
                ..
            })
            | Event::Start(Tag::Image {
                link_type: LinkType::Inline,
                dest_url,
                ..
            }) => dest_url.to_string(),
            _ => continue,
        };
        if let Some(edit) = locate(src, &range, &dest, true).zip(map(&dest)) {
            edits.push(edit);
        }
    }
    let defs: Vec<(Range<usize>, String)> = iter
        .reference_definitions()
        .iter()
        .map(|(_, def)| (def.span.clone(), def.dest.to_string()))
        .collect();
    for (span, dest) in defs {
        if let Some(edit) = locate(src, &span, &dest, false).zip(map(&dest)) {
            edits.push(edit);
        }
    }
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(src.len());
    let mut at = 0;
    for (range, new) in edits {
        if range.start < at {
            continue;
        }
        out.push_str(&src[at..range.start]);
        out.push_str(&new);
        at = range.end;
    }
    out.push_str(&src[at..]);
    out
}

/// Where `dest` is written inside `span`: after `](` for inline links, after `]:` for definitions.
fn locate(src: &str, span: &Range<usize>, dest: &str, inline: bool) -> Option<Range<usize>> {
    let text = src.get(span.clone())?;
    let opener = if inline { "](" } else { "]:" };
    let after = text.rfind(opener)? + opener.len();
    let rest = &text[after..];
    let skip = rest.len() - rest.trim_start().trim_start_matches('<').len();
    let start = after + skip;
    text[start..]
        .starts_with(dest)
        .then(|| span.start + start..span.start + start + dest.len())
}

/// Byte ranges of all code blocks (fenced and indented).
pub fn code_ranges(src: &str) -> Vec<Range<usize>> {
    Parser::new_ext(src, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::CodeBlock(_)) => Some(range),
            _ => None,
        })
        .collect()
}

/// A fenced block's source ends with a closing fence of the opener's character, at least as long.
fn fence_closed(block: &str) -> bool {
    let mut lines = block.lines().map(strip_container);
    let Some(opener) = lines.next() else {
        return false;
    };
    let Some(ch) = opener.chars().next().filter(|c| *c == '`' || *c == '~') else {
        return false;
    };
    let len = opener.len() - opener.trim_start_matches(ch).len();
    let Some(last) = lines.rfind(|l| !l.trim().is_empty()) else {
        return false;
    };
    let last = last.trim_end();
    last.len() >= len && last.chars().all(|c| c == ch)
}

/// A line without its list indentation and block-quote markers.
fn strip_container(line: &str) -> &str {
    line.trim_start_matches(|c: char| c == '>' || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_github_rules_and_repeat_with_suffixes() {
        let src = "# Chapter 1: Getting Started\n\n## Why? Because!\n\n## Why? Because!\n\n## `cargo` & you\n";
        let got: Vec<(u8, String, String, usize)> = headings(src)
            .into_iter()
            .map(|h| (h.level, h.text, h.anchor, h.line))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    1,
                    "Chapter 1: Getting Started".into(),
                    "chapter-1-getting-started".into(),
                    1
                ),
                (2, "Why? Because!".into(), "why-because".into(), 3),
                (2, "Why? Because!".into(), "why-because-1".into(), 5),
                (2, "cargo & you".into(), "cargo--you".into(), 7),
            ]
        );
    }

    #[test]
    fn words_exclude_markup_and_include_code() {
        assert_eq!(
            word_count("# Title here\n\nSome **bold**ly *said* words - and `code`.\n\n```\nlet x = 1;\n```\n"),
            // Title here Some boldly said words and code let x 1
            11
        );
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn links_resolve_references() {
        let src = "See [two](02-two.md#setup) and [ref][r] and ![img](a.png).\n\n[r]: https://example.org\n";
        assert_eq!(
            links(src),
            vec![
                Link {
                    dest: "02-two.md#setup".into(),
                    line: 1,
                    is_image: false
                },
                Link {
                    dest: "https://example.org".into(),
                    line: 1,
                    is_image: false
                },
                Link {
                    dest: "a.png".into(),
                    line: 1,
                    is_image: true
                },
            ]
        );
    }

    #[test]
    fn rewrites_inline_and_reference_destinations_only() {
        let src = "[a](02-b.md#x) and ![i](img/p.png \"t\") and [r][d] and `[c](no.md)`.\n\n[d]: <02-b.md>\n";
        let out = rewrite_links(src, |d| match d {
            "02-b.md#x" => Some("#x".into()),
            "02-b.md" => Some("#b".into()),
            "img/p.png" => Some("chapters/img/p.png".into()),
            _ => None,
        });
        assert_eq!(
            out,
            "[a](#x) and ![i](chapters/img/p.png \"t\") and [r][d] and `[c](no.md)`.\n\n[d]: <#b>\n"
        );
    }

    #[test]
    fn finds_unclosed_fences_bad_headings_and_missing_references() {
        let src =
            "#Intro\n\nSee [x][nowhere].\n\n```rust\nfn main() {}\n\n## not checked inside code\n";
        let got: Vec<(usize, String)> = problems(src)
            .into_iter()
            .map(|p| (p.line, p.message))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "`#Intro` is not a heading in Markdown (no space after the #); write `# Intro`".to_string()),
                (3, "the link reference [nowhere] has no definition; add a line `[nowhere]: TARGET` or write the link inline".to_string()),
                (5, "this code block's fence is never closed, so everything after it shows as code; add the closing fence line".to_string()),
            ]
        );
    }

    #[test]
    fn closed_fences_and_hashtags_in_code_are_fine() {
        let src = "# T\n\n```\n#include <x>\n```\n\n> ~~~~\n> code\n> ~~~~\n\n- item\n\n  ```sh\n  ls\n  ```\n\n#1 is a number, not a heading.\n";
        assert_eq!(problems(src), vec![]);
    }
}
