//! STL trace input (`<cycle>:\t<read|write>\t<hex addr>`), streamed line by line so memory does not
//! grow with trace length, plus an in-memory form for evaluating many configs on one trace.

use std::io::{BufRead, Read};
use std::path::Path;

use super::error::DramError;
use super::limits::{MAX_LINE_BYTES, MAX_TRACE_REQUESTS};

/// One memory request of a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Issue time in trace-player clock cycles (absolute for `.stl`, relative for `.rstl`).
    pub cycle: u64,
    pub write: bool,
    pub address: u64,
    /// 1-based line number in the source, for error messages.
    pub line: u64,
}

/// Parses one STL line; `Ok(None)` for blank lines and `#` comments (as DRAMSys skips them).
pub fn parse_line(text: &str, line: u64, source: &str) -> Result<Option<Request>, DramError> {
    let text = text.trim_end_matches(['\r', '\n']);
    // DRAMSys ignores lines of at most one character and comment lines
    if text.len() <= 1 || text.starts_with('#') {
        return Ok(None);
    }
    let err = |detail: String| DramError::TraceLine {
        source_name: source.to_string(),
        line,
        detail,
    };
    let mut tokens = text.split_whitespace();
    let time = tokens
        .next()
        .ok_or_else(|| err("timestamp could not be found".into()))?;
    let digits = time.strip_suffix(':').unwrap_or(time);
    let cycle = digits.parse::<u64>().map_err(|_| {
        err(format!(
            "timestamp {time:?} is not an unsigned integer followed by ':'"
        ))
    })?;
    let command = tokens
        .next()
        .ok_or_else(|| err("command could not be found".into()))?;
    let write = match command {
        "read" => false,
        "write" => true,
        other => {
            return Err(err(format!(
                "command {other:?} unknown (expected read or write)"
            )))
        }
    };
    let addr_text = tokens
        .next()
        .ok_or_else(|| err("address could not be found".into()))?;
    let hex = addr_text
        .strip_prefix("0x")
        .or_else(|| addr_text.strip_prefix("0X"))
        .unwrap_or(addr_text);
    let address = u64::from_str_radix(hex, 16)
        .map_err(|_| err(format!("address {addr_text:?} is not a hexadecimal number")))?;
    Ok(Some(Request {
        cycle,
        write,
        address,
        line,
    }))
}

/// Streams requests from any reader; only the current line is held in memory.
pub struct StlReader<R: BufRead> {
    reader: R,
    source: String,
    line: u64,
    buf: Vec<u8>,
    failed: bool,
}

impl<R: BufRead> StlReader<R> {
    pub fn new(reader: R, source: impl Into<String>) -> Self {
        StlReader {
            reader,
            source: source.into(),
            line: 0,
            buf: Vec::with_capacity(64),
            failed: false,
        }
    }
}

impl StlReader<std::io::BufReader<std::fs::File>> {
    pub fn open(path: &Path) -> Result<Self, DramError> {
        let file = std::fs::File::open(path).map_err(|source| DramError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(StlReader::new(
            std::io::BufReader::with_capacity(1 << 16, file),
            path.display().to_string(),
        ))
    }
}

impl<R: BufRead> Iterator for StlReader<R> {
    type Item = Result<Request, DramError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            self.buf.clear();
            // at most one byte past the cap, so a line without an end (/dev/zero) stays bounded
            let limit = MAX_LINE_BYTES as u64 + 1;
            match (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.buf)
            {
                Ok(0) => return None,
                Ok(n) => {
                    self.line += 1;
                    let parsed = if n > MAX_LINE_BYTES && self.buf.last() != Some(&b'\n') {
                        Err(DramError::TraceLine {
                            source_name: self.source.clone(),
                            line: self.line,
                            detail: format!("longer than {MAX_LINE_BYTES} bytes"),
                        })
                    } else {
                        match std::str::from_utf8(&self.buf) {
                            Ok(text) => parse_line(text, self.line, &self.source),
                            Err(_) => Err(DramError::TraceLine {
                                source_name: self.source.clone(),
                                line: self.line,
                                detail: "not UTF-8 text".into(),
                            }),
                        }
                    };
                    match parsed {
                        Ok(Some(r)) => return Some(Ok(r)),
                        Ok(None) => continue,
                        Err(e) => {
                            self.failed = true;
                            return Some(Err(e));
                        }
                    }
                }
                Err(source) => {
                    self.failed = true;
                    return Some(Err(DramError::Io {
                        path: self.source.clone().into(),
                        source,
                    }));
                }
            }
        }
    }
}

/// Collects a stream into memory, up to [`MAX_TRACE_REQUESTS`].
fn collect_bounded<R: BufRead>(
    reader: StlReader<R>,
    name: &str,
) -> Result<Vec<Request>, DramError> {
    let mut requests = Vec::new();
    for r in reader {
        if requests.len() == MAX_TRACE_REQUESTS {
            return Err(DramError::TraceTooLong {
                source_name: name.to_string(),
                max: MAX_TRACE_REQUESTS,
            });
        }
        requests.push(r?);
    }
    Ok(requests)
}

/// A parsed trace kept in memory, for repeated evaluations (batch runs, design-space search).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    pub name: String,
    pub requests: Vec<Request>,
    /// `.rstl` traces give times relative to the previous request.
    pub relative: bool,
}

impl Trace {
    pub fn from_reader<R: BufRead>(reader: R, name: &str) -> Result<Self, DramError> {
        let requests = collect_bounded(StlReader::new(reader, name), name)?;
        Ok(Trace {
            name: name.to_string(),
            requests,
            relative: is_relative(name),
        })
    }

    pub fn from_file(path: &Path) -> Result<Self, DramError> {
        let name = path.display().to_string();
        let requests = collect_bounded(StlReader::open(path)?, &name)?;
        Ok(Trace {
            relative: is_relative(&name),
            name,
            requests,
        })
    }

    pub fn len(&self) -> usize {
        self.requests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }
}

/// DRAMSys treats `.rstl` files as relative-time traces.
pub fn is_relative(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".rstl")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dramsys_stl_lines() {
        let r = parse_line("12:\twrite\t0x3B22EDC0\n", 3, "t.stl").unwrap();
        assert_eq!(
            r,
            Some(Request {
                cycle: 12,
                write: true,
                address: 0x3B22_EDC0,
                line: 3
            })
        );
        assert_eq!(parse_line("# comment\n", 1, "t.stl").unwrap(), None);
        assert_eq!(parse_line("\n", 1, "t.stl").unwrap(), None);
    }

    #[test]
    fn malformed_line_names_source_and_line() {
        let err = parse_line("7:\tfetch\t0x40", 42, "x.stl").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.stl:42: malformed trace line: command \"fetch\" unknown (expected read or write)"
        );
        let err = parse_line("7:\tread\tzz", 5, "x.stl").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("x.stl:5: malformed trace line: address"));
    }

    #[test]
    fn reader_streams_and_stops_after_an_error() {
        let text = "0:\tread\t0x0\n\n1:\tbogus\n2:\tread\t0x40\n";
        let items: Vec<_> = StlReader::new(text.as_bytes(), "mem").collect();
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        assert!(items[1]
            .as_ref()
            .is_err_and(|e| e.to_string().starts_with("mem:3:")));
    }
}
