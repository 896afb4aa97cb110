//! `knights_knaves`: Decide who is a knight (truth-teller) or a knave (liar). (Not built yet: every call answers an `error` verdict.)

use super::{Family, GenConfig, Generated, Instance};
use crate::{Error, Verdict};

pub static FAMILY: Family = Family {
    name: "knights_knaves",
    summary: "Decide who is a knight (truth-teller) or a knave (liar)",
    verify,
    solve,
    generate,
};

fn verify(_inst: &Instance<'_>, _answer: &str) -> Verdict {
    Verdict::error("the knights_knaves verifier is not built yet")
}

fn solve(_inst: &Instance<'_>) -> Option<String> {
    None
}

fn generate(_cfg: &GenConfig) -> Result<Generated, Error> {
    Err(Error::Generate(
        "the knights_knaves generator is not built yet".into(),
    ))
}
