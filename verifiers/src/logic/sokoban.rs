//! `sokoban`: Push boxes onto goals. (Not built yet: every call answers an `error` verdict.)

use super::{Family, GenConfig, Generated, Instance};
use crate::{Error, Verdict};

pub static FAMILY: Family = Family {
    name: "sokoban",
    summary: "Push boxes onto goals",
    verify,
    solve,
    generate,
};

fn verify(_inst: &Instance<'_>, _answer: &str) -> Verdict {
    Verdict::error("the sokoban verifier is not built yet")
}

fn solve(_inst: &Instance<'_>) -> Option<String> {
    None
}

fn generate(_cfg: &GenConfig) -> Result<Generated, Error> {
    Err(Error::Generate(
        "the sokoban generator is not built yet".into(),
    ))
}
