//! `boxnet`: Plan box moves on a grid of agents to reach targets. (Not built yet: every call answers an `error` verdict.)

use super::{Family, GenConfig, Generated, Instance};
use crate::{Error, Verdict};

pub static FAMILY: Family = Family {
    name: "boxnet",
    summary: "Plan box moves on a grid of agents to reach targets",
    verify,
    solve,
    generate,
};

fn verify(_inst: &Instance<'_>, _answer: &str) -> Verdict {
    Verdict::error("the boxnet verifier is not built yet")
}

fn solve(_inst: &Instance<'_>) -> Option<String> {
    None
}

fn generate(_cfg: &GenConfig) -> Result<Generated, Error> {
    Err(Error::Generate(
        "the boxnet generator is not built yet".into(),
    ))
}
