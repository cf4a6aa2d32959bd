//! Renders a file listing as a compact indented tree for prompts: folders once, files with sizes.
//!
//! Indentation instead of box-drawing characters keeps the token count low; a cap on the number of
//! files keeps a store full of generated files from crowding out the rest of the prompt.

use super::FileEntry;

/// More files than this are summarised in one closing line.
pub const MAX_TREE_FILES: usize = 400;

/// Human-readable size: bytes below 1 KiB, else KB/MB with one decimal.
pub fn human_size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}

/// `entries` must be sorted by path components, as `FileStore::list` returns them.
pub fn render(entries: &[FileEntry]) -> String {
    if entries.is_empty() {
        return "(no files yet)\n".to_string();
    }
    let mut out = String::new();
    let mut open: Vec<&str> = Vec::new();
    for entry in entries.iter().take(MAX_TREE_FILES) {
        let parts: Vec<&str> = entry.path.split('/').collect();
        let (dirs, name) = parts.split_at(parts.len() - 1);
        let common = open.iter().zip(dirs).take_while(|(a, b)| a == b).count();
        open.truncate(common);
        for dir in &dirs[common..] {
            out.push_str(&"  ".repeat(open.len()));
            out.push_str(dir);
            out.push_str("/\n");
            open.push(dir);
        }
        out.push_str(&"  ".repeat(open.len()));
        out.push_str(&format!("{}  ({})\n", name[0], human_size(entry.size)));
    }
    let total: u64 = entries.iter().map(|e| e.size).sum();
    if entries.len() > MAX_TREE_FILES {
        let rest = &entries[MAX_TREE_FILES..];
        let rest_size: u64 = rest.iter().map(|e| e.size).sum();
        out.push_str(&format!(
            "... and {} more files ({}) not shown\n",
            rest.len(),
            human_size(rest_size)
        ));
    }
    let noun = if entries.len() == 1 { "file" } else { "files" };
    out.push_str(&format!(
        "{} {noun}, {} total\n",
        entries.len(),
        human_size(total)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(path: &str, size: u64) -> FileEntry {
        FileEntry {
            path: path.to_string(),
            size,
        }
    }

    #[test]
    fn nested_folders_are_printed_once() {
        let tree = render(&[
            e("app/models/user.py", 1536),
            e("app/views.py", 10),
            e("main.py", 0),
            e("tests/test_app.py", 2 * 1024 * 1024),
        ]);
        let want = "app/\n  models/\n    user.py  (1.5 KB)\n  views.py  (10 B)\nmain.py  (0 B)\n\
                    tests/\n  test_app.py  (2.0 MB)\n4 files, 2.0 MB total\n";
        assert_eq!(tree, want);
    }

    #[test]
    fn empty_and_capped() {
        assert_eq!(render(&[]), "(no files yet)\n");
        let many: Vec<_> = (0..MAX_TREE_FILES + 2)
            .map(|i| e(&format!("f{i:04}"), 1))
            .collect();
        let tree = render(&many);
        let tail: Vec<_> = tree.lines().rev().take(2).collect();
        assert_eq!(
            tail,
            vec![
                format!(
                    "{} files, {} B total",
                    MAX_TREE_FILES + 2,
                    MAX_TREE_FILES + 2
                ),
                "... and 2 more files (2 B) not shown".to_string()
            ]
        );
        assert_eq!(tree.lines().count(), MAX_TREE_FILES + 2);
    }
}
