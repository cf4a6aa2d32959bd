//! Synthesis recipes: sequences of ABC-RL's seven AIG passes, parsed from ABC's own short names
//! (`b;rw;rf`) so a recipe reads the same here as in an ABC script.

use std::fmt;

use super::error::AbcError;

/// One of ABC-RL's seven moves (its action space), each a plain ABC command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Pass {
    Balance,
    Rewrite,
    RewriteZ,
    Refactor,
    RefactorZ,
    Resub,
    ResubZ,
}

impl Pass {
    pub const ALL: [Pass; 7] = [
        Pass::Balance,
        Pass::Rewrite,
        Pass::RewriteZ,
        Pass::Refactor,
        Pass::RefactorZ,
        Pass::Resub,
        Pass::ResubZ,
    ];

    /// The alias ABC's abc.rc gives the command (`alias rwz rewrite -z`).
    pub fn short(self) -> &'static str {
        match self {
            Pass::Balance => "b",
            Pass::Rewrite => "rw",
            Pass::RewriteZ => "rwz",
            Pass::Refactor => "rf",
            Pass::RefactorZ => "rfz",
            Pass::Resub => "rs",
            Pass::ResubZ => "rsz",
        }
    }

    /// The full command, used in scripts so that no abc.rc alias is needed.
    pub fn command(self) -> &'static str {
        match self {
            Pass::Balance => "balance",
            Pass::Rewrite => "rewrite",
            Pass::RewriteZ => "rewrite -z",
            Pass::Refactor => "refactor",
            Pass::RefactorZ => "refactor -z",
            Pass::Resub => "resub",
            Pass::ResubZ => "resub -z",
        }
    }

    pub fn index(self) -> usize {
        Pass::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    fn parse(word: &str) -> Option<Pass> {
        let w: Vec<&str> = word.split_whitespace().collect();
        let s = w.join(" ");
        Pass::ALL
            .into_iter()
            .find(|p| p.short() == s || p.command() == s)
    }
}

/// ABC's `resyn2` as abc.rc defines it: `b; rw; rf; b; rw; rwz; b; rfz; rwz; b`.
pub const RESYN2: [Pass; 10] = [
    Pass::Balance,
    Pass::Rewrite,
    Pass::Refactor,
    Pass::Balance,
    Pass::Rewrite,
    Pass::RewriteZ,
    Pass::Balance,
    Pass::RefactorZ,
    Pass::RewriteZ,
    Pass::Balance,
];

/// A recipe: the passes in the order ABC applies them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Recipe(pub Vec<Pass>);

impl Recipe {
    pub fn resyn2() -> Recipe {
        Recipe(RESYN2.to_vec())
    }

    /// Parses `b;rw;rf` (ABC's aliases or full commands, `;` or `,` separated); `resyn2` inside
    /// a recipe stands for its ten passes. `circuit` only names the context of an error.
    pub fn parse(text: &str, circuit: &str) -> Result<Recipe, AbcError> {
        let mut out = Vec::new();
        for word in text.split([';', ',']) {
            let word = word.trim();
            if word.is_empty() {
                continue;
            }
            if word == "resyn2" {
                out.extend(RESYN2);
                continue;
            }
            match Pass::parse(word) {
                Some(p) => out.push(p),
                None => {
                    return Err(AbcError::BadPass {
                        circuit: circuit.into(),
                        pass: word.into(),
                        known: Pass::ALL
                            .iter()
                            .map(|p| p.short())
                            .collect::<Vec<_>>()
                            .join(", ")
                            + ", resyn2",
                    })
                }
            }
        }
        Ok(Recipe(out))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Recipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|p| p.short()).collect();
        write!(f, "{}", names.join(";"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_short_and_full_names() {
        let r = Recipe::parse("b; rw;rewrite -z , rfz;resub  -z", "t").unwrap();
        assert_eq!(
            r.0,
            vec![
                Pass::Balance,
                Pass::Rewrite,
                Pass::RewriteZ,
                Pass::RefactorZ,
                Pass::ResubZ
            ]
        );
        assert_eq!(r.to_string(), "b;rw;rwz;rfz;rsz");
        assert_eq!(Recipe::parse("resyn2", "t").unwrap(), Recipe::resyn2());
    }

    #[test]
    fn unknown_pass_is_named() {
        let e = Recipe::parse("b;fraig", "adder").unwrap_err().to_string();
        assert!(e.contains("`fraig`") && e.contains("adder"), "{e}");
    }
}
