//! l2mac parameters as Optuna distributions: the `distribution_json` Optuna 4.x/5.x writes
//! (`{"name": "IntDistribution", "attributes": {...}}`) and its internal float representation
//! (the choice index of a categorical, the number itself otherwise), both ways, so
//! `optuna.load_study` sees the same trial parameters l2mac evaluated and an Optuna-made trial
//! becomes an l2mac point.

use serde_json::{json, Value as Json};

use crate::dse::error::DseError;
use crate::dse::space::{Param, ParamKind, Value};

/// The powers of two of a `pow2` parameter (an Optuna categorical of integers).
fn powers(low: i64, high: i64) -> Vec<i64> {
    let mut v = Vec::new();
    let mut x = low.max(1);
    while x <= high {
        v.push(x);
        x = match x.checked_mul(2) {
            Some(n) => n,
            None => break,
        };
    }
    v
}

/// The distribution JSON of a parameter.
pub fn distribution_json(p: &Param) -> String {
    let d = match &p.kind {
        ParamKind::Categorical { choices } => json!({
            "name": "CategoricalDistribution", "attributes": {"choices": choices}}),
        ParamKind::Pow2 { low, high } => json!({
            "name": "CategoricalDistribution", "attributes": {"choices": powers(*low, *high)}}),
        ParamKind::Int { low, high } => json!({
            "name": "IntDistribution",
            "attributes": {"log": false, "step": 1, "low": low, "high": high}}),
        ParamKind::Real { low, high, log } => json!({
            "name": "FloatDistribution",
            "attributes": {"step": null, "low": low, "high": high, "log": log}}),
    };
    d.to_string()
}

/// Optuna's internal representation of a value of `p`.
pub fn internal(p: &Param, v: &Value) -> Result<f64, DseError> {
    let bad = || DseError::BadValue {
        name: p.name.clone(),
        value: v.to_string(),
        allowed: p.describe_domain(),
    };
    Ok(match (&p.kind, v) {
        (ParamKind::Categorical { choices }, Value::Cat(c)) => {
            choices.iter().position(|x| x == c).ok_or_else(bad)? as f64
        }
        (ParamKind::Pow2 { low, high }, Value::Int(i)) => powers(*low, *high)
            .iter()
            .position(|x| x == i)
            .ok_or_else(bad)? as f64,
        (ParamKind::Int { .. }, Value::Int(i)) => *i as f64,
        (ParamKind::Real { .. }, Value::Real(r)) => *r,
        _ => return Err(bad()),
    })
}

/// The JSON value of a stored parameter, read through its distribution (any Optuna distribution,
/// including the pre-3.0 `UniformDistribution` family), for `ParamSpace::point_from_json`.
pub fn external(name: &str, internal: f64, distribution: &str) -> Result<Json, DseError> {
    let bad = |m: String| DseError::BadParam {
        name: name.into(),
        message: format!("stored distribution {distribution}: {m}"),
    };
    let d: Json = serde_json::from_str(distribution).map_err(|e| bad(e.to_string()))?;
    let kind = d.get("name").and_then(Json::as_str).unwrap_or_default();
    let attrs = d.get("attributes").cloned().unwrap_or(Json::Null);
    Ok(match kind {
        "CategoricalDistribution" => {
            let choices = attrs
                .get("choices")
                .and_then(Json::as_array)
                .ok_or_else(|| bad("no choices".into()))?;
            let i = internal as usize;
            if internal < 0.0 || internal.fract() != 0.0 || i >= choices.len() {
                return Err(bad(format!("choice index {internal} out of range")));
            }
            choices[i].clone()
        }
        "IntDistribution" | "IntUniformDistribution" | "IntLogUniformDistribution" => {
            json!(internal.round() as i64)
        }
        "FloatDistribution"
        | "UniformDistribution"
        | "LogUniformDistribution"
        | "DiscreteUniformDistribution" => serde_json::Number::from_f64(internal)
            .map(Json::Number)
            .ok_or_else(|| bad(format!("value {internal} is not finite")))?,
        other => return Err(bad(format!("unknown distribution `{other}`"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(kind: ParamKind) -> Param {
        Param {
            name: "p".into(),
            kind,
            description: String::new(),
        }
    }

    #[test]
    fn every_kind_goes_there_and_back() {
        let cases = [
            (
                param(ParamKind::Categorical {
                    choices: vec!["Open".into(), "Closed".into()],
                }),
                Value::Cat("Closed".into()),
                1.0,
                json!("Closed"),
            ),
            (
                param(ParamKind::Pow2 { low: 4, high: 64 }),
                Value::Int(16),
                2.0,
                json!(16),
            ),
            (
                param(ParamKind::Int { low: 1, high: 8 }),
                Value::Int(3),
                3.0,
                json!(3),
            ),
            (
                param(ParamKind::Real {
                    low: 0.1,
                    high: 1.0,
                    log: true,
                }),
                Value::Real(0.25),
                0.25,
                json!(0.25),
            ),
        ];
        for (p, v, repr, ext) in cases {
            let d = distribution_json(&p);
            assert_eq!(internal(&p, &v).unwrap(), repr, "{d}");
            assert_eq!(external("p", repr, &d).unwrap(), ext, "{d}");
            assert_eq!(p.parse_json(&ext).unwrap(), v);
        }
    }

    #[test]
    fn the_json_is_optunas() {
        let d = distribution_json(&param(ParamKind::Int { low: 1, high: 8 }));
        let v: Json = serde_json::from_str(&d).unwrap();
        assert_eq!(
            v,
            json!({"name": "IntDistribution", "attributes": {"log": false, "step": 1, "low": 1, "high": 8}})
        );
    }

    #[test]
    fn a_bad_index_or_distribution_is_an_error_naming_the_parameter() {
        let d = r#"{"name": "CategoricalDistribution", "attributes": {"choices": ["a"]}}"#;
        let e = external("policy", 3.0, d).unwrap_err().to_string();
        assert!(e.contains("policy") && e.contains("out of range"), "{e}");
        let e = external("x", 1.0, r#"{"name": "Weird"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown distribution `Weird`"), "{e}");
    }
}
