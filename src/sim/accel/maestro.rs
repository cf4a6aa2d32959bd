//! MAESTRO's input language: the network DSL (`Network { Layer { Type, Stride, Dimensions,
//! Dataflow { SpatialMap / TemporalMap / Cluster } } }`) and the `key: value` hardware file.
//! Only the parser and the layer shapes are here; MAESTRO's cost model is `maestro_model`.

use std::path::Path;

use super::error::AccelError;

/// A map's size or offset: a number or `Sz(DIM)` (the whole dimension).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Extent {
    Num(u64),
    SizeOf(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    SpatialMap {
        size: Extent,
        offset: Extent,
        dim: String,
    },
    TemporalMap {
        size: Extent,
        offset: Extent,
        dim: String,
    },
    /// `Cluster(size, P)` (physical) or `Cluster(size, L)` (logical).
    Cluster { size: Extent, kind: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub name: String,
    pub kind: String,
    pub stride: (u64, u64),
    /// Dimension name -> size, in file order (N, K, C, R, S, Y, X for a CONV).
    pub dims: Vec<(String, u64)>,
    pub dataflow: Vec<Directive>,
}

impl Layer {
    pub fn dim(&self, name: &str) -> Option<u64> {
        self.dims.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// Output rows/columns as MAESTRO derives them: (Y - R) / stride + 1.
    pub fn output_yx(&self) -> (u64, u64) {
        let out = |i: u64, f: u64, s: u64| {
            if i >= f && s > 0 {
                (i - f) / s + 1
            } else {
                0
            }
        };
        let (y, x) = (self.dim("Y").unwrap_or(1), self.dim("X").unwrap_or(1));
        let (r, s) = (self.dim("R").unwrap_or(1), self.dim("S").unwrap_or(1));
        (out(y, r, self.stride.1), out(x, s, self.stride.0))
    }

    /// Multiply-accumulates of a CONV layer (for a depthwise layer, K is 1 per channel).
    pub fn macs(&self) -> u64 {
        let (oy, ox) = self.output_yx();
        let g = |n: &str| self.dim(n).unwrap_or(1);
        g("N") * g("K") * g("C") * g("R") * g("S") * oy * ox
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub name: String,
    pub layers: Vec<Layer>,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Num(u64),
    Sym(char),
}

struct Lexer<'a> {
    path: &'a str,
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(path: &'a str, text: &str) -> Result<Lexer<'a>, AccelError> {
        let mut toks = Vec::new();
        for (ln, line) in text.lines().enumerate() {
            let line = line.split("//").next().unwrap_or("");
            let cs: Vec<char> = line.chars().collect();
            let mut i = 0;
            while i < cs.len() {
                let c = cs[i];
                if c.is_whitespace() {
                    i += 1;
                } else if c.is_ascii_digit() {
                    let start = i;
                    while i < cs.len() && cs[i].is_ascii_digit() {
                        i += 1;
                    }
                    let s: String = cs[start..i].iter().collect();
                    let n = s.parse().map_err(|_| AccelError::Syntax {
                        path: path.into(),
                        line: ln + 1,
                        detail: format!("number `{s}` too large"),
                    })?;
                    toks.push((Tok::Num(n), ln + 1));
                } else if c.is_alphanumeric() || c == '_' {
                    let start = i;
                    while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_' || cs[i] == '-')
                    {
                        i += 1;
                    }
                    // A primed dimension (Y', X') is the output coordinate.
                    if i < cs.len() && cs[i] == '\'' {
                        i += 1;
                    }
                    toks.push((Tok::Word(cs[start..i].iter().collect()), ln + 1));
                } else if "{}(),;:".contains(c) {
                    toks.push((Tok::Sym(c), ln + 1));
                    i += 1;
                } else {
                    return Err(AccelError::Syntax {
                        path: path.into(),
                        line: ln + 1,
                        detail: format!("unexpected character `{c}`"),
                    });
                }
            }
        }
        Ok(Lexer { path, toks, pos: 0 })
    }

    fn line(&self) -> usize {
        self.toks
            .get(self.pos.min(self.toks.len().saturating_sub(1)))
            .map(|t| t.1)
            .unwrap_or(0)
    }

    fn err(&self, detail: String) -> AccelError {
        AccelError::Syntax {
            path: self.path.into(),
            line: self.line(),
            detail,
        }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn next(&mut self) -> Result<Tok, AccelError> {
        let t = self
            .toks
            .get(self.pos)
            .map(|t| t.0.clone())
            .ok_or_else(|| self.err("unexpected end of file".into()))?;
        self.pos += 1;
        Ok(t)
    }

    fn sym(&mut self, c: char) -> Result<(), AccelError> {
        match self.next()? {
            Tok::Sym(x) if x == c => Ok(()),
            other => Err(self.err(format!("expected `{c}`, found {other:?}"))),
        }
    }

    fn word(&mut self) -> Result<String, AccelError> {
        match self.next()? {
            Tok::Word(w) => Ok(w),
            other => Err(self.err(format!("expected a name, found {other:?}"))),
        }
    }

    fn num(&mut self) -> Result<u64, AccelError> {
        match self.next()? {
            Tok::Num(n) => Ok(n),
            other => Err(self.err(format!("expected a number, found {other:?}"))),
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Sym(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn extent(&mut self) -> Result<Extent, AccelError> {
        match self.next()? {
            Tok::Num(n) => Ok(Extent::Num(n)),
            Tok::Word(w) if w == "Sz" => {
                self.sym('(')?;
                let d = self.word()?;
                self.sym(')')?;
                Ok(Extent::SizeOf(d))
            }
            other => Err(self.err(format!("expected a size or Sz(DIM), found {other:?}"))),
        }
    }
}

/// Parses a MAESTRO network file.
pub fn parse_network(path: &str, text: &str) -> Result<Network, AccelError> {
    let mut lx = Lexer::new(path, text)?;
    let kw = lx.word()?;
    if kw != "Network" {
        return Err(lx.err(format!("expected `Network`, found `{kw}`")));
    }
    let name = lx.word()?;
    lx.sym('{')?;
    let mut layers = Vec::new();
    while !lx.eat('}') {
        let kw = lx.word()?;
        if kw != "Layer" {
            return Err(lx.err(format!("expected `Layer`, found `{kw}`")));
        }
        layers.push(parse_layer(&mut lx)?);
    }
    Ok(Network { name, layers })
}

fn parse_layer(lx: &mut Lexer) -> Result<Layer, AccelError> {
    let name = lx.word()?;
    lx.sym('{')?;
    let mut layer = Layer {
        name: name.clone(),
        kind: String::new(),
        stride: (1, 1),
        dims: Vec::new(),
        dataflow: Vec::new(),
    };
    while !lx.eat('}') {
        let key = lx.word()?;
        match key.as_str() {
            "Type" => {
                lx.sym(':')?;
                layer.kind = lx.word()?;
                lx.eat(';');
            }
            "Stride" => {
                lx.sym('{')?;
                while !lx.eat('}') {
                    let axis = lx.word()?;
                    lx.sym(':')?;
                    let v = lx.num()?;
                    match axis.as_str() {
                        "X" => layer.stride.0 = v,
                        "Y" => layer.stride.1 = v,
                        other => {
                            return Err(lx.err(format!("{name}: unknown stride axis `{other}`")))
                        }
                    }
                    lx.eat(',');
                }
            }
            "Dimensions" => {
                lx.sym('{')?;
                while !lx.eat('}') {
                    let d = lx.word()?;
                    lx.eat(':');
                    let v = lx.num()?;
                    layer.dims.push((d, v));
                    lx.eat(',');
                }
            }
            "Dataflow" => {
                lx.sym('{')?;
                while !lx.eat('}') {
                    let d = parse_directive(lx, &layer)?;
                    layer.dataflow.push(d);
                }
            }
            other => return Err(lx.err(format!("layer {name}: unknown key `{other}`"))),
        }
    }
    Ok(layer)
}

fn parse_directive(lx: &mut Lexer, layer: &Layer) -> Result<Directive, AccelError> {
    let kind = lx.word()?;
    lx.sym('(')?;
    let size = lx.extent()?;
    lx.sym(',')?;
    let check = |lx: &Lexer, d: &str| -> Result<(), AccelError> {
        let base = d.trim_end_matches('\'');
        if layer.dims.iter().any(|(n, _)| n == base) {
            Ok(())
        } else {
            Err(lx.err(format!(
                "layer {}: unknown dimension `{d}` (the layer has {})",
                layer.name,
                layer
                    .dims
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    };
    if let Extent::SizeOf(d) = &size {
        check(lx, d)?;
    }
    let d = match kind.as_str() {
        "SpatialMap" | "TemporalMap" => {
            let offset = lx.extent()?;
            lx.sym(')')?;
            let dim = lx.word()?;
            check(lx, &dim)?;
            if kind == "SpatialMap" {
                Directive::SpatialMap { size, offset, dim }
            } else {
                Directive::TemporalMap { size, offset, dim }
            }
        }
        "Cluster" => {
            let k = lx.word()?;
            lx.sym(')')?;
            if k != "P" && k != "L" {
                return Err(lx.err(format!("Cluster type must be P or L, found `{k}`")));
            }
            Directive::Cluster { size, kind: k }
        }
        other => {
            return Err(lx.err(format!(
                "unknown directive `{other}` (SpatialMap, TemporalMap or Cluster)"
            )))
        }
    };
    lx.sym(';')?;
    Ok(d)
}

/// A MAESTRO hardware file: `num_pes`, `l1_size_cstr`, `l2_size_cstr`, `noc_bw_cstr`,
/// `offchip_bw_cstr` (and any other `key: number` lines), in file order.
pub fn parse_hardware(path: &str, text: &str) -> Result<Vec<(String, f64)>, AccelError> {
    let mut out = Vec::new();
    for (ln, line) in text.lines().enumerate() {
        let line = line.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once(':').ok_or_else(|| AccelError::Syntax {
            path: path.into(),
            line: ln + 1,
            detail: format!("expected `key: value`, found `{line}`"),
        })?;
        let v: f64 = v.trim().parse().map_err(|_| AccelError::Syntax {
            path: path.into(),
            line: ln + 1,
            detail: format!("`{}` is not a number", v.trim()),
        })?;
        out.push((k.trim().to_string(), v));
    }
    Ok(out)
}

pub fn load_network(path: &Path) -> Result<Network, AccelError> {
    let text = std::fs::read_to_string(path).map_err(|source| AccelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_network(&path.display().to_string(), &text)
}
