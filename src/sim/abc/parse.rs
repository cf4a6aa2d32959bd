//! Reading ABC's `print_stats` lines: the AIG form (`and = N lev = L`) and the mapped form
//! (`nd = N edge = E area = A delay = D lev = L`), after removing the terminal colour codes
//! ABC writes even into a file.

use serde::Serialize;

/// An AIG's size, as `print_stats` reports it after `strash` or a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AigStats {
    pub inputs: u64,
    pub outputs: u64,
    pub latches: u64,
    pub ands: u64,
    pub levels: u64,
}

/// A mapped netlist's cost, as `print_stats` reports it after `map`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MappedStats {
    pub gates: u64,
    pub edges: u64,
    pub area: f64,
    pub delay: f64,
    pub levels: u64,
}

/// A `print_stats` line, either form.
#[derive(Clone, Debug, PartialEq)]
pub enum StatsLine {
    Aig(AigStats),
    Mapped(AigStats, MappedStats),
}

/// Removes ANSI escape sequences (`ESC [ ... letter`).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The number after `key =` (spaces allowed on both sides of `=`), in `text`.
fn field(text: &str, key: &str) -> Option<String> {
    let mut from = 0;
    while let Some(pos) = text[from..].find(key) {
        let start = from + pos;
        // a key must start a word: `nd =` is not the tail of `and =`
        let at_word = start == 0 || text.as_bytes()[start - 1] == b' ';
        let rest = text[start + key.len()..].trim_start();
        if at_word {
            if let Some(rest) = rest.strip_prefix('=') {
                let num: String = rest
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-' || *c == 'e')
                    .collect();
                return (!num.is_empty()).then_some(num);
            }
        }
        from = start + key.len();
    }
    None
}

/// Parses one `print_stats` line; `None` when the line is not one, `Err` (with the reason) when it
/// looks like one but a number is missing or malformed.
pub fn parse_stats_line(raw: &str) -> Option<Result<StatsLine, String>> {
    let line = strip_ansi(raw);
    let io_at = line.find("i/o =")?;
    let body = &line[io_at..];
    Some(parse_body(body))
}

fn parse_body(body: &str) -> Result<StatsLine, String> {
    let int = |key: &str| -> Result<u64, String> {
        let v = field(body, key).ok_or_else(|| format!("no `{key} =`"))?;
        v.parse::<u64>()
            .map_err(|_| format!("`{key} = {v}` is not a count"))
    };
    let real = |key: &str| -> Result<f64, String> {
        let v = field(body, key).ok_or_else(|| format!("no `{key} =`"))?;
        v.parse::<f64>()
            .map_err(|_| format!("`{key} = {v}` is not a number"))
    };
    let io = body
        .strip_prefix("i/o =")
        .map(str::trim_start)
        .unwrap_or("");
    let (i, o) = io
        .split_once('/')
        .ok_or_else(|| "no `i/o = I/O`".to_string())?;
    let o: String = o
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let inputs = i
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("inputs `{}` is not a count", i.trim()))?;
    let outputs = o
        .parse::<u64>()
        .map_err(|_| format!("outputs `{o}` is not a count"))?;
    let latches = int("lat")?;
    let levels = int("lev")?;
    if field(body, "and").is_some() {
        return Ok(StatsLine::Aig(AigStats {
            inputs,
            outputs,
            latches,
            ands: int("and")?,
            levels,
        }));
    }
    let gates = int("nd")?;
    let aig = AigStats {
        inputs,
        outputs,
        latches,
        ands: gates,
        levels,
    };
    Ok(StatsLine::Mapped(
        aig,
        MappedStats {
            gates,
            edges: int("edge")?,
            area: real("area")?,
            delay: real("delay")?,
            levels,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_forms_of_abc_output() {
        // copied from yosys-abc 0.23 (ABC compiled Feb 7 2023) on a full adder
        let aig = "\u{1b}[1;37mfa                            :\u{1b}[0m i/o =    3/    2  lat =    0  and =     11  lev =  4";
        let mapped = "\u{1b}[1;37mfa                            :\u{1b}[0m i/o =    3/    2  lat =    0  nd =     9  edge =     18  area =21.00  delay = 4.20  lev = 4";
        assert_eq!(
            parse_stats_line(aig).unwrap().unwrap(),
            StatsLine::Aig(AigStats {
                inputs: 3,
                outputs: 2,
                latches: 0,
                ands: 11,
                levels: 4
            })
        );
        match parse_stats_line(mapped).unwrap().unwrap() {
            StatsLine::Mapped(_, m) => {
                assert_eq!((m.gates, m.edges, m.levels), (9, 18, 4));
                assert!((m.area - 21.0).abs() < 1e-9 && (m.delay - 4.2).abs() < 1e-9);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_stats_line("Entered genlib library with 17 gates").is_none());
        assert!(parse_stats_line("x : i/o = 3/2 lat = 0 and = lots lev = 4")
            .unwrap()
            .is_err());
    }
}
