//! `l2mac book DIR` without a model: checks, assembly with parts and a missing chapter, and the
//! pandoc exports (through a stand-in pandoc script, so the test does not need pandoc).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use l2mac::text::cli::{make, BookArgs};
use l2mac::text::export::{Format, INSTALL_HINT};

const OUTLINE: &str = "# Small Book\n\n# Part 1: Begin\n\n## Chapter 1: Hello {words=50}\n### Greeting\n\n# Part 2: End\n\n## Chapter 2: Bye {words=50}\n\n## Chapter 3: Later {words=50}\n";

fn para(n: usize) -> String {
    vec!["word"; n].join(" ")
}

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let ch = dir.path().join("chapters");
    std::fs::create_dir_all(&ch).expect("mkdir");
    std::fs::write(dir.path().join("outline.md"), OUTLINE).expect("outline");
    std::fs::write(
        ch.join("01-hello.md"),
        format!("# Chapter 1: Hello\n\n## Greeting\n\n{}\n", para(46)),
    )
    .expect("ch1");
    std::fs::write(
        ch.join("02-bye.md"),
        format!(
            "# Chapter 2: Bye\n\nBack to [the greeting](01-hello.md#greeting). {}\n",
            para(42)
        ),
    )
    .expect("ch2");
    dir
}

fn args(dir: &Path, pdf: bool) -> BookArgs {
    BookArgs {
        dir: dir.to_path_buf(),
        pdf,
        no_epub: false,
        tolerance: 0.3,
    }
}

/// A stand-in for pandoc that records its arguments and input and writes the output file.
fn fake_pandoc(dir: &Path) -> PathBuf {
    let path = dir.join("pandoc");
    std::fs::write(
        &path,
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > args.txt\ncat > input.md\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --output ]; then echo book > \"$2\"; fi; shift; done\n",
    )
    .expect("script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[tokio::test]
async fn a_missing_chapter_fails_the_checks_but_the_book_is_still_made_with_parts() {
    let dir = folder();
    let run = make(&args(dir.path(), false), None).await.expect("book");
    let failed: Vec<(String, String)> = run
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| (c.name.clone(), c.output.clone()))
        .collect();
    assert_eq!(
        failed,
        vec![(
            "coverage".to_string(),
            "chapters/03-later.md (Chapter 3: Later) does not exist: write it, starting with `# Chapter 3: Later`".to_string()
        )]
    );
    assert!(!run.complete());
    let book = std::fs::read_to_string(dir.path().join("book.md")).expect("book.md");
    let want = format!(
        "# Small Book\n\n## Contents\n\n\
         - [Part 1: Begin](#part-1-begin)\n  - [Chapter 1: Hello](#chapter-1-hello)\n    - [Greeting](#greeting)\n\
         - [Part 2: End](#part-2-end)\n  - [Chapter 2: Bye](#chapter-2-bye)\n\n\
         # Part 1: Begin\n\n# Chapter 1: Hello\n\n## Greeting\n\n{}\n\n\
         # Part 2: End\n\n# Chapter 2: Bye\n\nBack to [the greeting](#greeting). {}\n",
        para(46),
        para(42)
    );
    assert_eq!(book, want);
    // 3 + 1 + 46 words in chapter 1, 3 + 4 + 42 in chapter 2.
    assert_eq!(
        run.book.summary(),
        format!("book.md and book.html: \"Small Book\", 2 of 3 chapters, 99 words; missing: chapters/03-later.md; no EPUB made: pandoc is not installed; {INSTALL_HINT}")
    );
}

#[tokio::test]
async fn pandoc_gets_the_body_as_gfm_and_writes_each_format() {
    let dir = folder();
    std::fs::write(
        dir.path().join("chapters/03-later.md"),
        format!("# Chapter 3: Later\n\n{}\n", para(46)),
    )
    .expect("ch3");
    let tools = tempfile::tempdir().expect("tmp");
    let pandoc = fake_pandoc(tools.path());
    let run = make(&args(dir.path(), true), Some(pandoc))
        .await
        .expect("book");
    assert!(run.complete(), "{:?}", run.checks);
    assert_eq!(
        run.book.exports,
        vec![
            (Format::Epub, Ok("book.epub".to_string())),
            (Format::Pdf, Ok("book.pdf".to_string()))
        ]
    );
    assert!(dir.path().join("book.epub").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("args.txt")).expect("args"),
        "--from\ngfm\n--toc\n--standalone\n--metadata\ntitle=Small Book\n--output\nbook.pdf\n"
    );
    let input = std::fs::read_to_string(dir.path().join("input.md")).expect("input");
    assert!(
        input.starts_with("# Part 1: Begin\n\n# Chapter 1: Hello\n"),
        "{input}"
    );
    assert!(
        input.ends_with(&format!("# Chapter 3: Later\n\n{}\n\n", para(46))),
        "{input}"
    );
}

#[tokio::test]
async fn a_requested_pdf_without_pandoc_is_a_clear_failure() {
    let dir = folder();
    std::fs::write(
        dir.path().join("chapters/03-later.md"),
        format!("# Chapter 3: Later\n\n{}\n", para(46)),
    )
    .expect("ch3");
    let run = make(&args(dir.path(), true), None).await.expect("book");
    assert!(run.checks.iter().all(|c| c.passed));
    assert!(!run.complete());
    assert_eq!(
        run.book.exports[1],
        (
            Format::Pdf,
            Err(format!("no PDF made: pandoc is not installed; {INSTALL_HINT} --pdf (a PDF also needs LaTeX: `apt-get install texlive-latex-recommended`)"))
        )
    );
}

#[tokio::test]
async fn a_folder_that_is_not_there_or_has_no_outline_is_an_error() {
    let gone = make(&args(Path::new("/nonexistent/l2mac-book"), false), None).await;
    assert_eq!(
        gone.map(|_| ()).map_err(|e| e.to_string()),
        Err("/nonexistent/l2mac-book is not a folder; give the run folder (the one holding outline.md)".to_string())
    );
    let empty = tempfile::tempdir().expect("tmp");
    let err = make(&args(empty.path(), false), None)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
    assert_eq!(
        err,
        Err(format!(
            "{} has no outline.md: give the folder of a text run (`l2mac run --domain text`), the one holding outline.md and chapters/",
            empty.path().display()
        ))
    );
}
