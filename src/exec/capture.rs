//! Bounded output capture: keeps the head and a ring of the tail of a stream, never the whole.
//!
//! A check can print gigabytes (an infinite loop with a print in it); we must neither run out of
//! memory nor show the model more than a few kilobytes. The start of the output usually says what
//! ran, the end says how it went, so both are kept and the middle is replaced by a marker. While
//! bytes stream through, a line scanner also records whether test runners reported zero tests,
//! because those lines may fall in the part that is dropped.

use std::collections::VecDeque;

/// Longest line the scanner keeps; runner summary lines are short, and a cap keeps a
/// newline-free flood from growing the buffer.
const MAX_SCANNED_LINE: usize = 512;

/// What the test-runner summary lines seen so far say about how many tests ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TestEvidence {
    /// pytest's "no tests ran" / "collected 0 items", node's "# tests 0", jest's "No tests found".
    pub runner_said_none: bool,
    /// cargo's "running 0 tests" lines.
    pub zero_test_groups: u32,
    /// cargo's "running N tests" lines with N > 0.
    pub nonzero_test_groups: u32,
}

impl TestEvidence {
    fn scan_line(&mut self, line: &str) {
        let line = line.trim();
        if line.contains("no tests ran")
            || line.contains("collected 0 items")
            || line == "# tests 0"
            || line.starts_with("No tests found")
        {
            self.runner_said_none = true;
        }
        if let Some(n) = line
            .strip_prefix("running ")
            .and_then(|rest| {
                rest.strip_suffix(" tests")
                    .or_else(|| rest.strip_suffix(" test"))
            })
            .and_then(|n| n.parse::<u64>().ok())
        {
            if n == 0 {
                self.zero_test_groups += 1;
            } else {
                self.nonzero_test_groups += 1;
            }
        }
    }

    /// True when the output positively says no test ran: an explicit runner message, or cargo
    /// test binaries that all ran zero tests.
    pub fn no_tests(&self) -> bool {
        self.runner_said_none || (self.zero_test_groups > 0 && self.nonzero_test_groups == 0)
    }
}

/// Head bytes, a tail ring, and counts of what fell out between them.
#[derive(Debug)]
pub struct Capture {
    head: Vec<u8>,
    head_cap: usize,
    tail: VecDeque<u8>,
    tail_cap: usize,
    omitted_bytes: u64,
    omitted_lines: u64,
    line: Vec<u8>,
    evidence: TestEvidence,
}

impl Capture {
    /// A capture that keeps at most about `max_bytes` (half head, half tail) plus the marker.
    pub fn new(max_bytes: usize) -> Self {
        let head_cap = max_bytes / 2;
        Self {
            head: Vec::new(),
            head_cap,
            tail: VecDeque::new(),
            tail_cap: max_bytes - head_cap,
            omitted_bytes: 0,
            omitted_lines: 0,
            line: Vec::new(),
            evidence: TestEvidence::default(),
        }
    }

    pub fn push(&mut self, mut bytes: &[u8]) {
        self.scan(bytes);
        let room = self.head_cap.saturating_sub(self.head.len());
        if room > 0 {
            let n = room.min(bytes.len());
            self.head.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
        if bytes.len() > self.tail_cap {
            // Whatever does not fit in the ring even on its own is dropped straight away.
            let (drop, keep) = bytes.split_at(bytes.len() - self.tail_cap);
            self.omit(drop.iter().copied());
            bytes = keep;
        }
        let overflow = (self.tail.len() + bytes.len()).saturating_sub(self.tail_cap);
        let dropped: Vec<u8> = self.tail.drain(..overflow).collect();
        self.omit(dropped);
        self.tail.extend(bytes);
    }

    fn omit(&mut self, bytes: impl IntoIterator<Item = u8>) {
        for b in bytes {
            self.omitted_bytes += 1;
            self.omitted_lines += u64::from(b == b'\n');
        }
    }

    fn scan(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' {
                let line = String::from_utf8_lossy(&self.line).into_owned();
                self.evidence.scan_line(&line);
                self.line.clear();
            } else if self.line.len() < MAX_SCANNED_LINE {
                self.line.push(b);
            }
        }
    }

    pub fn evidence(&self) -> TestEvidence {
        let mut ev = self.evidence;
        if !self.line.is_empty() {
            ev.scan_line(&String::from_utf8_lossy(&self.line));
        }
        ev
    }

    /// The kept text: everything if nothing was dropped, otherwise head, marker, tail. Cuts are
    /// moved to UTF-8 character boundaries; invalid bytes become U+FFFD.
    pub fn finish(&self) -> String {
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        if self.omitted_bytes == 0 {
            let mut all = self.head.clone();
            all.extend_from_slice(&tail);
            return String::from_utf8_lossy(&all).into_owned();
        }
        let head_keep = self.head.len() - incomplete_suffix_len(&self.head);
        let tail_skip = tail
            .iter()
            .take(3)
            .take_while(|&&b| is_continuation(b))
            .count();
        let moved = &self.head[head_keep..];
        let skipped = &tail[..tail_skip];
        let count_nl = |s: &[u8]| s.iter().filter(|&&b| b == b'\n').count() as u64;
        let omitted_bytes = self.omitted_bytes + moved.len() as u64 + tail_skip as u64;
        let omitted_lines = self.omitted_lines + count_nl(moved) + count_nl(skipped);
        let mut out = String::from_utf8_lossy(&self.head[..head_keep]).into_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!(
            "[... {omitted_lines} lines / {omitted_bytes} bytes omitted ...]\n"
        ));
        out.push_str(&String::from_utf8_lossy(&tail[tail_skip..]));
        out
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0b1100_0000 == 0b1000_0000
}

/// Length of a UTF-8 sequence cut short at the end of `bytes` (0 if the end is clean).
fn incomplete_suffix_len(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(4) {
        let b = bytes[bytes.len() - back];
        if is_continuation(b) {
            continue;
        }
        let needed = match b {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => return 0,
        };
        return if needed > back { back } else { 0 };
    }
    0
}

/// Shortens `text` to about `max_bytes`, keeping its head and tail with a marker
/// `[... N lines / M bytes omitted ...]` between them; text that fits is returned unchanged.
pub fn truncate_head_tail(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_string();
    }
    let mut cap = Capture::new(max_bytes);
    cap.push(text.as_bytes());
    cap.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_unchanged() {
        assert_eq!(truncate_head_tail("hello\nworld\n", 100), "hello\nworld\n");
        let mut cap = Capture::new(8);
        cap.push(b"abcd");
        cap.push(b"efgh");
        assert_eq!(cap.finish(), "abcdefgh");
    }

    #[test]
    fn long_text_keeps_head_and_tail_with_counts() {
        let text: String = (0..100).map(|i| format!("line {i:03}\n")).collect();
        // 9 bytes per line: head keeps 27 bytes (3 lines), tail keeps 27 bytes (3 lines).
        let out = truncate_head_tail(&text, 54);
        assert_eq!(
            out,
            "line 000\nline 001\nline 002\n[... 94 lines / 846 bytes omitted ...]\nline 097\nline 098\nline 099\n"
        );
    }

    #[test]
    fn streaming_in_small_chunks_matches_one_push() {
        let text: String = (0..500).map(|i| format!("{i}é\n")).collect();
        let whole = truncate_head_tail(&text, 101);
        let mut cap = Capture::new(101);
        for chunk in text.as_bytes().chunks(7) {
            cap.push(chunk);
        }
        assert_eq!(cap.finish(), whole);
    }

    #[test]
    fn cuts_never_split_a_character() {
        let text = "é".repeat(100); // 200 bytes of two-byte characters
        for max in 0..40 {
            let out = truncate_head_tail(&text, max);
            assert!(!out.contains('\u{fffd}'), "max {max}: {out}");
            let kept = out.chars().filter(|&c| c == 'é').count();
            let omitted_bytes = 200 - 2 * kept;
            assert!(
                out.contains(&format!("/ {omitted_bytes} bytes omitted")),
                "max {max}: {out}"
            );
        }
    }

    #[test]
    fn evidence_spots_zero_tests_anywhere_in_the_stream() {
        let mut cap = Capture::new(10);
        cap.push(b"running 0 tests\n");
        cap.push(&[b'x'; 1000]);
        cap.push(b"\nrunning 0 tests\ntest result: ok.");
        assert!(cap.evidence().no_tests());
        cap.push(b"\nrunning 1 test\n");
        assert!(!cap.evidence().no_tests());

        let mut py = Capture::new(10);
        py.push(b"\n\nno tests ran in 0.01s");
        assert!(py.evidence().no_tests());
        assert!(!Capture::new(10).evidence().no_tests());
    }
}
