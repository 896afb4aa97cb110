//! `sudoku`: Fill a 9x9 sudoku. (Not built yet: every call answers an `error` verdict.)

use super::{Family, GenConfig, Generated, Instance};
use crate::{Error, Verdict};

pub static FAMILY: Family = Family {
    name: "sudoku",
    summary: "Fill a 9x9 sudoku",
    verify,
    solve,
    generate,
};

fn verify(_inst: &Instance<'_>, _answer: &str) -> Verdict {
    Verdict::error("the sudoku verifier is not built yet")
}

fn solve(_inst: &Instance<'_>) -> Option<String> {
    None
}

fn generate(_cfg: &GenConfig) -> Result<Generated, Error> {
    Err(Error::Generate(
        "the sudoku generator is not built yet".into(),
    ))
}
