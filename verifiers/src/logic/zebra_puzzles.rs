//! `zebra_puzzles`: Deduce the attribute assignment of an Einstein puzzle. (Not built yet: every call answers an `error` verdict.)

use super::{Family, GenConfig, Generated, Instance};
use crate::{Error, Verdict};

pub static FAMILY: Family = Family {
    name: "zebra_puzzles",
    summary: "Deduce the attribute assignment of an Einstein puzzle",
    verify,
    solve,
    generate,
};

fn verify(_inst: &Instance<'_>, _answer: &str) -> Verdict {
    Verdict::error("the zebra_puzzles verifier is not built yet")
}

fn solve(_inst: &Instance<'_>) -> Option<String> {
    None
}

fn generate(_cfg: &GenConfig) -> Result<Generated, Error> {
    Err(Error::Generate(
        "the zebra_puzzles generator is not built yet".into(),
    ))
}
