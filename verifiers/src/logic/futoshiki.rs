//! `futoshiki`: Fill a Latin square respecting inequality constraints. (Not built yet: every call answers an `error` verdict.)

use super::{Family, GenConfig, Generated, Instance};
use crate::{Error, Verdict};

pub static FAMILY: Family = Family {
    name: "futoshiki",
    summary: "Fill a Latin square respecting inequality constraints",
    verify,
    solve,
    generate,
};

fn verify(_inst: &Instance<'_>, _answer: &str) -> Verdict {
    Verdict::error("the futoshiki verifier is not built yet")
}

fn solve(_inst: &Instance<'_>) -> Option<String> {
    None
}

fn generate(_cfg: &GenConfig) -> Result<Generated, Error> {
    Err(Error::Generate(
        "the futoshiki generator is not built yet".into(),
    ))
}
