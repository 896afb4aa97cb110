//! `puzzle24`: Make 24 from four numbers with + - * /. (Not built yet: every call answers an `error` verdict.)

use super::{Family, GenConfig, Generated, Instance};
use crate::{Error, Verdict};

pub static FAMILY: Family = Family {
    name: "puzzle24",
    summary: "Make 24 from four numbers with + - * /",
    verify,
    solve,
    generate,
};

fn verify(_inst: &Instance<'_>, _answer: &str) -> Verdict {
    Verdict::error("the puzzle24 verifier is not built yet")
}

fn solve(_inst: &Instance<'_>) -> Option<String> {
    None
}

fn generate(_cfg: &GenConfig) -> Result<Generated, Error> {
    Err(Error::Generate(
        "the puzzle24 generator is not built yet".into(),
    ))
}
