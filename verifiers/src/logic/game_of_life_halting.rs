//! `game_of_life_halting`: Decide whether a Game of Life pattern dies out within N steps. (Not built yet: every call answers an `error` verdict.)

use super::{Family, GenConfig, Generated, Instance};
use crate::{Error, Verdict};

pub static FAMILY: Family = Family {
    name: "game_of_life_halting",
    summary: "Decide whether a Game of Life pattern dies out within N steps",
    verify,
    solve,
    generate,
};

fn verify(_inst: &Instance<'_>, _answer: &str) -> Verdict {
    Verdict::error("the game_of_life_halting verifier is not built yet")
}

fn solve(_inst: &Instance<'_>) -> Option<String> {
    None
}

fn generate(_cfg: &GenConfig) -> Result<Generated, Error> {
    Err(Error::Generate(
        "the game_of_life_halting generator is not built yet".into(),
    ))
}
