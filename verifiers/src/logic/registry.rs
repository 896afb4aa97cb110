//! The one list of logic families. The grader, `/v1/verifiers`, `rlvr generate` and the docs
//! all read it. Keep it in alphabetical order.

use super::*;

/// Every registered family.
pub static FAMILIES: &[&Family] = &[
    &arc_1d::FAMILY,
    &boxnet::FAMILY,
    &circuit_logic::FAMILY,
    &countdown::FAMILY,
    &cryptarithm::FAMILY,
    &futoshiki::FAMILY,
    &game_of_life_halting::FAMILY,
    &graph_color::FAMILY,
    &jugs::FAMILY,
    &kakurasu::FAMILY,
    &knight_swap::FAMILY,
    &knights_knaves::FAMILY,
    &maze::FAMILY,
    &mini_sudoku::FAMILY,
    &n_queens::FAMILY,
    &propositional_logic::FAMILY,
    &puzzle24::FAMILY,
    &rush_hour::FAMILY,
    &self_reference::FAMILY,
    &shortest_path::FAMILY,
    &sokoban::FAMILY,
    &sudoku::FAMILY,
    &survo::FAMILY,
    &syllogism::FAMILY,
    &tower_of_hanoi::FAMILY,
    &word_ladder::FAMILY,
    &zebra_puzzles::FAMILY,
];
