//! Parameter spaces: the knobs an environment exposes, declared in TOML, and the encodings agents search in.
//!
//! Every parameter has two views that agents share, so no agent invents its own (biased) encoding:
//! a *level* view (0..levels, where real parameters are cut into `real_bins` bins) for discrete
//! agents, and a *unit* view (a coordinate in [0, 1], log-scaled where declared) for continuous ones.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::error::DseError;

/// Default number of bins a real parameter is cut into for the discrete agents (RL, ACO).
pub const DEFAULT_REAL_BINS: usize = 16;

/// One value of one parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Real(f64),
    Cat(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Real(v) => write!(f, "{v}"),
            Value::Cat(v) => write!(f, "{v}"),
        }
    }
}

impl Value {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Int(v) => serde_json::Value::from(*v),
            Value::Real(v) => serde_json::Value::from(*v),
            Value::Cat(v) => serde_json::Value::from(v.clone()),
        }
    }
}

/// A point of a space: one value per parameter, in the space's parameter order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point(pub Vec<Value>);

/// The domain of one parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ParamKind {
    /// Unordered choices.
    Categorical { choices: Vec<String> },
    /// Every integer in `low..=high`.
    Int { low: i64, high: i64 },
    /// Powers of two from `low` to `high` (both powers of two).
    Pow2 { low: i64, high: i64 },
    /// A real interval, searched on a log scale when `log`.
    Real { low: f64, high: f64, log: bool },
}

/// One named parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    #[serde(flatten)]
    pub kind: ParamKind,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// How a parameter is written in TOML; checked into a [`Param`] with errors naming the field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    pub name: String,
    pub kind: String,
    pub choices: Option<Vec<String>>,
    pub low: Option<toml::Value>,
    pub high: Option<toml::Value>,
    pub log: Option<bool>,
    #[serde(default)]
    pub description: String,
}

fn toml_int(name: &str, field: &str, v: &Option<toml::Value>) -> Result<i64, DseError> {
    match v {
        Some(toml::Value::Integer(i)) => Ok(*i),
        Some(other) => Err(DseError::BadParam {
            name: name.into(),
            message: format!("`{field}` must be an integer, got {other}"),
        }),
        None => Err(DseError::BadParam {
            name: name.into(),
            message: format!("`{field}` is required"),
        }),
    }
}

fn toml_real(name: &str, field: &str, v: &Option<toml::Value>) -> Result<f64, DseError> {
    match v {
        Some(toml::Value::Integer(i)) => Ok(*i as f64),
        Some(toml::Value::Float(f)) => Ok(*f),
        Some(other) => Err(DseError::BadParam {
            name: name.into(),
            message: format!("`{field}` must be a number, got {other}"),
        }),
        None => Err(DseError::BadParam {
            name: name.into(),
            message: format!("`{field}` is required"),
        }),
    }
}

impl RawParam {
    pub fn check(self) -> Result<Param, DseError> {
        let name = self.name.clone();
        let bad = |message: String| DseError::BadParam {
            name: name.clone(),
            message,
        };
        let kind = match self.kind.as_str() {
            "categorical" => ParamKind::Categorical {
                choices: self
                    .choices
                    .clone()
                    .ok_or_else(|| bad("`choices` is required".into()))?,
            },
            "int" => ParamKind::Int {
                low: toml_int(&name, "low", &self.low)?,
                high: toml_int(&name, "high", &self.high)?,
            },
            "pow2" => ParamKind::Pow2 {
                low: toml_int(&name, "low", &self.low)?,
                high: toml_int(&name, "high", &self.high)?,
            },
            "real" => ParamKind::Real {
                low: toml_real(&name, "low", &self.low)?,
                high: toml_real(&name, "high", &self.high)?,
                log: self.log.unwrap_or(false),
            },
            other => {
                return Err(bad(format!(
                    "unknown kind `{other}` (use categorical, int, pow2 or real)"
                )))
            }
        };
        if self.choices.is_some() && !matches!(kind, ParamKind::Categorical { .. }) {
            return Err(bad(
                "`choices` only applies to kind = \"categorical\"".into()
            ));
        }
        if self.log.is_some() && !matches!(kind, ParamKind::Real { .. }) {
            return Err(bad(
                "`log` only applies to kind = \"real\" (use kind = \"pow2\" for powers of two)"
                    .into(),
            ));
        }
        Param::new(&name, kind, &self.description)
    }
}

fn is_pow2(v: i64) -> bool {
    v > 0 && (v & (v - 1)) == 0
}

impl Param {
    /// A checked parameter: ranges non-empty, choices distinct, pow2 bounds powers of two.
    pub fn new(name: &str, kind: ParamKind, description: &str) -> Result<Param, DseError> {
        let bad = |message: String| DseError::BadParam {
            name: name.into(),
            message,
        };
        if name.is_empty() {
            return Err(bad("the name is empty".into()));
        }
        match &kind {
            ParamKind::Categorical { choices } => {
                if choices.is_empty() {
                    return Err(bad("`choices` is empty".into()));
                }
                let mut seen = std::collections::HashSet::new();
                for c in choices {
                    if !seen.insert(c) {
                        return Err(bad(format!("choice `{c}` appears twice")));
                    }
                }
            }
            ParamKind::Int { low, high } => {
                if low > high {
                    return Err(bad(format!("empty range: low {low} > high {high}")));
                }
            }
            ParamKind::Pow2 { low, high } => {
                if !is_pow2(*low) || !is_pow2(*high) {
                    return Err(bad(format!(
                        "pow2 bounds must be powers of two, got low {low}, high {high}"
                    )));
                }
                if low > high {
                    return Err(bad(format!("empty range: low {low} > high {high}")));
                }
            }
            ParamKind::Real { low, high, log } => {
                if !low.is_finite() || !high.is_finite() || low >= high {
                    return Err(bad(format!(
                        "empty range: need finite low < high, got low {low}, high {high}"
                    )));
                }
                if *log && *low <= 0.0 {
                    return Err(bad(format!("log scale needs low > 0, got {low}")));
                }
            }
        }
        Ok(Param {
            name: name.into(),
            kind,
            description: description.into(),
        })
    }

    /// Whether neighbouring levels are related (so a walk may step to a neighbour).
    pub fn is_ordered(&self) -> bool {
        !matches!(self.kind, ParamKind::Categorical { .. })
    }

    pub fn is_real(&self) -> bool {
        matches!(self.kind, ParamKind::Real { .. })
    }

    /// Number of levels in the discrete view.
    pub fn levels(&self, real_bins: usize) -> usize {
        match &self.kind {
            ParamKind::Categorical { choices } => choices.len(),
            ParamKind::Int { low, high } => (high - low) as usize + 1,
            ParamKind::Pow2 { low, high } => {
                (high.trailing_zeros() - low.trailing_zeros()) as usize + 1
            }
            ParamKind::Real { .. } => real_bins.max(2),
        }
    }

    /// The value at a level (for reals, the bin's end points include both interval ends).
    pub fn value_at(&self, level: usize, real_bins: usize) -> Value {
        let n = self.levels(real_bins);
        let level = level.min(n - 1);
        match &self.kind {
            ParamKind::Categorical { choices } => Value::Cat(choices[level].clone()),
            ParamKind::Int { low, .. } => Value::Int(low + level as i64),
            ParamKind::Pow2 { low, .. } => Value::Int(low << level),
            ParamKind::Real { .. } => self.from_unit(level as f64 / (n - 1) as f64),
        }
    }

    /// The level nearest to a (valid) value.
    pub fn level_of(&self, value: &Value, real_bins: usize) -> usize {
        let n = self.levels(real_bins);
        match (&self.kind, value) {
            (ParamKind::Categorical { choices }, Value::Cat(c)) => {
                choices.iter().position(|x| x == c).unwrap_or(0)
            }
            (ParamKind::Real { .. }, v) => {
                ((self.to_unit(v) * (n - 1) as f64).round() as usize).min(n - 1)
            }
            (_, v) => {
                let u = self.to_unit(v);
                ((u * (n - 1) as f64).round() as usize).min(n - 1)
            }
        }
    }

    /// The coordinate of a value in [0, 1] (log-scaled for pow2 and log reals).
    pub fn to_unit(&self, value: &Value) -> f64 {
        let x = match value {
            Value::Int(i) => *i as f64,
            Value::Real(r) => *r,
            Value::Cat(c) => {
                if let ParamKind::Categorical { choices } = &self.kind {
                    let i = choices.iter().position(|x| x == c).unwrap_or(0);
                    return if choices.len() > 1 {
                        i as f64 / (choices.len() - 1) as f64
                    } else {
                        0.5
                    };
                }
                return 0.5;
            }
        };
        let u = match &self.kind {
            ParamKind::Categorical { choices } => x / (choices.len().max(2) - 1) as f64,
            ParamKind::Int { low, high } => {
                if high == low {
                    0.5
                } else {
                    (x - *low as f64) / (*high - *low) as f64
                }
            }
            ParamKind::Pow2 { low, high } => {
                if high == low {
                    0.5
                } else {
                    (x.log2() - (*low as f64).log2())
                        / ((*high as f64).log2() - (*low as f64).log2())
                }
            }
            ParamKind::Real { low, high, log } => {
                if *log {
                    (x.ln() - low.ln()) / (high.ln() - low.ln())
                } else {
                    (x - low) / (high - low)
                }
            }
        };
        u.clamp(0.0, 1.0)
    }

    /// The value at a unit coordinate (rounded to the nearest allowed value).
    pub fn from_unit(&self, u: f64) -> Value {
        let u = if u.is_finite() {
            u.clamp(0.0, 1.0)
        } else {
            0.5
        };
        match &self.kind {
            ParamKind::Categorical { choices } => {
                let i = ((u * choices.len() as f64).floor() as usize).min(choices.len() - 1);
                Value::Cat(choices[i].clone())
            }
            ParamKind::Int { low, high } => {
                Value::Int(low + (u * (high - low) as f64).round() as i64)
            }
            ParamKind::Pow2 { low, high } => {
                let steps = (high.trailing_zeros() - low.trailing_zeros()) as f64;
                Value::Int(low << ((u * steps).round() as u32))
            }
            ParamKind::Real { low, high, log } => {
                let v = if *log {
                    (low.ln() + u * (high.ln() - low.ln())).exp()
                } else {
                    low + u * (high - low)
                };
                Value::Real(v.clamp(*low, *high))
            }
        }
    }

    /// A uniformly drawn value (uniform over levels for discrete kinds, over the unit view for reals).
    pub fn sample(&self, rng: &mut impl Rng) -> Value {
        match &self.kind {
            ParamKind::Real { .. } => self.from_unit(rng.gen::<f64>()),
            _ => self.value_at(rng.gen_range(0..self.levels(2)), 2),
        }
    }

    /// Checks (and normalises) a value given in JSON.
    pub fn parse_json(&self, v: &serde_json::Value) -> Result<Value, DseError> {
        let bad = || DseError::BadValue {
            name: self.name.clone(),
            value: v.to_string(),
            allowed: self.describe_domain(),
        };
        let value = match (&self.kind, v) {
            (ParamKind::Categorical { .. }, serde_json::Value::String(s)) => Value::Cat(s.clone()),
            (ParamKind::Categorical { .. }, serde_json::Value::Number(n)) => {
                Value::Cat(n.to_string())
            }
            (ParamKind::Int { .. } | ParamKind::Pow2 { .. }, serde_json::Value::Number(n)) => {
                match n.as_i64() {
                    Some(i) => Value::Int(i),
                    None => match n.as_f64() {
                        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::Int(f as i64),
                        _ => return Err(bad()),
                    },
                }
            }
            (ParamKind::Real { .. }, serde_json::Value::Number(n)) => {
                Value::Real(n.as_f64().ok_or_else(bad)?)
            }
            _ => return Err(bad()),
        };
        self.check(&value)?;
        Ok(value)
    }

    /// Whether a value lies in the domain.
    pub fn check(&self, value: &Value) -> Result<(), DseError> {
        let ok = match (&self.kind, value) {
            (ParamKind::Categorical { choices }, Value::Cat(c)) => choices.contains(c),
            (ParamKind::Int { low, high }, Value::Int(i)) => low <= i && i <= high,
            (ParamKind::Pow2 { low, high }, Value::Int(i)) => is_pow2(*i) && low <= i && i <= high,
            (ParamKind::Real { low, high, .. }, Value::Real(r)) => *low <= *r && *r <= *high,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(DseError::BadValue {
                name: self.name.clone(),
                value: value.to_string(),
                allowed: self.describe_domain(),
            })
        }
    }

    pub fn describe_domain(&self) -> String {
        match &self.kind {
            ParamKind::Categorical { choices } => format!("one of {}", choices.join(", ")),
            ParamKind::Int { low, high } => format!("an integer in {low}..={high}"),
            ParamKind::Pow2 { low, high } => format!("a power of two in {low}..={high}"),
            ParamKind::Real { low, high, log } => format!(
                "a real in [{low}, {high}]{}",
                if *log { " (log scale)" } else { "" }
            ),
        }
    }

    /// A numeric feature for regression models: choice index, integer value, log2 of a power of
    /// two, or the unit coordinate of a real.
    pub fn feature(&self, value: &Value) -> f64 {
        match (&self.kind, value) {
            (ParamKind::Pow2 { .. }, Value::Int(i)) => (*i as f64).log2(),
            (ParamKind::Int { .. }, Value::Int(i)) => *i as f64,
            (ParamKind::Real { .. }, v) => self.to_unit(v),
            (ParamKind::Categorical { choices }, Value::Cat(c)) => {
                choices.iter().position(|x| x == c).unwrap_or(0) as f64
            }
            _ => 0.0,
        }
    }
}

/// An ordered set of parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamSpace {
    pub params: Vec<Param>,
    /// Bins per real parameter in the discrete view.
    #[serde(default = "default_bins")]
    pub real_bins: usize,
}

fn default_bins() -> usize {
    DEFAULT_REAL_BINS
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpace {
    #[serde(default)]
    param: Vec<RawParam>,
    real_bins: Option<usize>,
}

impl ParamSpace {
    pub fn new(params: Vec<Param>) -> Result<ParamSpace, DseError> {
        let mut seen = std::collections::HashSet::new();
        for p in &params {
            if !seen.insert(p.name.clone()) {
                return Err(DseError::BadParam {
                    name: p.name.clone(),
                    message: "declared twice".into(),
                });
            }
        }
        if params.is_empty() {
            return Err(DseError::BadStudy("the parameter space is empty".into()));
        }
        Ok(ParamSpace {
            params,
            real_bins: DEFAULT_REAL_BINS,
        })
    }

    /// Reads a space written as `[[param]]` tables (optionally with `real_bins = N`).
    pub fn from_toml_str(text: &str, file: &str) -> Result<ParamSpace, DseError> {
        let raw: RawSpace = toml::from_str(text).map_err(|e| DseError::Toml {
            file: file.into(),
            message: e.to_string(),
        })?;
        Self::from_raw(raw.param, raw.real_bins)
    }

    pub fn from_raw(
        params: Vec<RawParam>,
        real_bins: Option<usize>,
    ) -> Result<ParamSpace, DseError> {
        let params = params
            .into_iter()
            .map(RawParam::check)
            .collect::<Result<Vec<_>, _>>()?;
        let mut space = ParamSpace::new(params)?;
        if let Some(b) = real_bins {
            if b < 2 {
                return Err(DseError::BadStudy(format!(
                    "real_bins must be >= 2, got {b}"
                )));
            }
            space.real_bins = b;
        }
        Ok(space)
    }

    pub fn len(&self) -> usize {
        self.params.len()
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    pub fn names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.clone()).collect()
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    pub fn levels(&self) -> Vec<usize> {
        self.params
            .iter()
            .map(|p| p.levels(self.real_bins))
            .collect()
    }

    pub fn sample(&self, rng: &mut impl Rng) -> Point {
        Point(self.params.iter().map(|p| p.sample(rng)).collect())
    }

    pub fn point_from_levels(&self, levels: &[usize]) -> Point {
        Point(
            self.params
                .iter()
                .zip(levels)
                .map(|(p, l)| p.value_at(*l, self.real_bins))
                .collect(),
        )
    }

    pub fn levels_of(&self, point: &Point) -> Vec<usize> {
        self.params
            .iter()
            .zip(&point.0)
            .map(|(p, v)| p.level_of(v, self.real_bins))
            .collect()
    }

    pub fn point_from_units(&self, units: &[f64]) -> Point {
        Point(
            self.params
                .iter()
                .zip(units)
                .map(|(p, u)| p.from_unit(*u))
                .collect(),
        )
    }

    pub fn units_of(&self, point: &Point) -> Vec<f64> {
        self.params
            .iter()
            .zip(&point.0)
            .map(|(p, v)| p.to_unit(v))
            .collect()
    }

    /// Reads a point given as a JSON object `{name: value}`; every parameter must be present and
    /// no unknown name may appear.
    pub fn point_from_json(&self, v: &serde_json::Value) -> Result<Point, DseError> {
        let obj = v
            .as_object()
            .ok_or_else(|| DseError::BadStudy(format!("a point must be a JSON object, got {v}")))?;
        for k in obj.keys() {
            if self.index_of(k).is_none() {
                return Err(DseError::UnknownParam {
                    context: "point".into(),
                    name: k.clone(),
                    known: self.names().join(", "),
                });
            }
        }
        let mut values = Vec::with_capacity(self.params.len());
        for p in &self.params {
            let raw = obj
                .get(&p.name)
                .ok_or_else(|| DseError::MissingParam(p.name.clone()))?;
            values.push(p.parse_json(raw)?);
        }
        Ok(Point(values))
    }

    pub fn point_to_json(&self, point: &Point) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (p, v) in self.params.iter().zip(&point.0) {
            map.insert(p.name.clone(), v.to_json());
        }
        serde_json::Value::Object(map)
    }

    /// Checks that a point has the right length and every value is in its domain.
    pub fn check(&self, point: &Point) -> Result<(), DseError> {
        if point.0.len() != self.params.len() {
            return Err(DseError::BadStudy(format!(
                "point has {} values, the space has {} parameters",
                point.0.len(),
                self.params.len()
            )));
        }
        for (p, v) in self.params.iter().zip(&point.0) {
            p.check(v)?;
        }
        Ok(())
    }

    /// A canonical text key for caching repeated points.
    pub fn key(&self, point: &Point) -> String {
        self.point_to_json(point).to_string()
    }

    /// Number of distinct points in the discrete view.
    pub fn size(&self) -> f64 {
        self.levels().iter().map(|&n| n as f64).product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn space() -> ParamSpace {
        ParamSpace::from_toml_str(
            r#"
            [[param]]
            name = "policy"
            kind = "categorical"
            choices = ["Open", "Closed", "OpenAdaptive"]
            [[param]]
            name = "depth"
            kind = "int"
            low = 1
            high = 8
            [[param]]
            name = "txn"
            kind = "pow2"
            low = 1
            high = 128
            [[param]]
            name = "rate"
            kind = "real"
            low = 0.001
            high = 10.0
            log = true
            "#,
            "test.toml",
        )
        .expect("valid space")
    }

    #[test]
    fn levels_cover_every_value_once() {
        let s = space();
        assert_eq!(s.levels(), vec![3, 8, 8, DEFAULT_REAL_BINS]);
        for (i, p) in s.params.iter().enumerate().take(3) {
            for l in 0..s.levels()[i] {
                let v = p.value_at(l, s.real_bins);
                assert_eq!(p.level_of(&v, s.real_bins), l, "{}", p.name);
                p.check(&v).expect("value_at gives valid values");
            }
        }
        assert_eq!(s.params[2].value_at(7, 16), Value::Int(128));
    }

    #[test]
    fn unit_view_round_trips_and_respects_log_scale() {
        let s = space();
        let p = &s.params[3];
        match p.from_unit(0.5) {
            Value::Real(r) => assert!(
                (r - 0.1).abs() < 1e-12,
                "log midpoint of [1e-3, 10] is 0.1, got {r}"
            ),
            other => panic!("a real parameter gave {other:?}"),
        }
        assert!((p.to_unit(&Value::Real(0.1)) - 0.5).abs() < 1e-12);
        assert_eq!(
            s.params[2].from_unit(0.5),
            Value::Int(16),
            "3.5 steps rounds up to 2^4"
        );
    }

    #[test]
    fn json_points_are_checked_by_name() {
        let s = space();
        let ok = serde_json::json!({"policy": "Closed", "depth": 3, "txn": 64, "rate": 1});
        let p = s.point_from_json(&ok).expect("valid point");
        assert_eq!(
            p,
            Point(vec![
                Value::Cat("Closed".into()),
                Value::Int(3),
                Value::Int(64),
                Value::Real(1.0)
            ])
        );
        assert_eq!(
            s.point_from_json(&s.point_to_json(&p)).expect("round trip"),
            p
        );
        let bad = serde_json::json!({"policy": "Closed", "depth": 3, "txn": 48, "rate": 1});
        let err = s.point_from_json(&bad).expect_err("48 is no power of two");
        assert!(err.to_string().contains("txn"), "{err}");
        let unknown = serde_json::json!({"polcy": "Closed"});
        let err = s.point_from_json(&unknown).expect_err("typo");
        assert!(
            err.to_string().contains("unknown parameter `polcy`"),
            "{err}"
        );
    }

    #[test]
    fn bad_declarations_name_the_parameter() {
        let cases = [
            (
                "name = \"a\"\nkind = \"int\"\nlow = 5\nhigh = 1",
                "empty range",
            ),
            (
                "name = \"a\"\nkind = \"pow2\"\nlow = 3\nhigh = 8",
                "powers of two",
            ),
            (
                "name = \"a\"\nkind = \"categorical\"\nchoices = []",
                "empty",
            ),
            (
                "name = \"a\"\nkind = \"real\"\nlow = 0.0\nhigh = 1.0\nlog = true",
                "low > 0",
            ),
            (
                "name = \"a\"\nkind = \"float\"\nlow = 0\nhigh = 1",
                "unknown kind",
            ),
        ];
        for (body, want) in cases {
            let text = format!("[[param]]\n{body}\n");
            let err = ParamSpace::from_toml_str(&text, "s.toml").expect_err(body);
            let msg = err.to_string();
            assert!(msg.contains("parameter `a`") && msg.contains(want), "{msg}");
        }
    }

    #[test]
    fn samples_are_valid_and_seeded() {
        let s = space();
        let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut b = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..100 {
            let p = s.sample(&mut a);
            s.check(&p).expect("samples lie in the space");
            assert_eq!(p, s.sample(&mut b));
        }
    }
}
