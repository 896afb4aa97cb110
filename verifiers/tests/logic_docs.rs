//! `docs/logic.md` follows the registry: its family table is rendered from `logic::families()`
//! and must equal the rendering, and each family has a row in the decisions table of its group.
//!
//! The table sits between `<!-- families:begin -->` and `<!-- families:end -->`; everything else
//! in the doc is written by hand. After adding a family or changing a descriptor's summary or
//! group, run `RLVR_BLESS=1 cargo test -p rlvr-verifiers --test logic_docs` to rewrite the table
//! (only the part between the markers), then write the family's decisions row by hand.

use rlvr_verifiers::logic::{self, Group};
use std::collections::BTreeSet;
use std::path::PathBuf;

const BEGIN: &str = "<!-- families:begin -->";
const END: &str = "<!-- families:end -->";

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/logic.md")
}

/// The heading of a group's decisions table in the doc.
fn decisions_heading(g: Group) -> String {
    format!("### Decisions for the {} families", g.title())
}

/// The doc's anchor for a heading, as GitHub makes it (lowercase, spaces to dashes).
fn anchor(heading: &str) -> String {
    heading
        .trim_start_matches('#')
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The family table as the registry defines it: the lines between the two markers.
fn render() -> String {
    let fams = logic::families();
    let mut out = String::new();
    out.push_str(
        "<!-- Generated from the registry (`logic::families()`) by \
         verifiers/tests/logic_docs.rs; do not edit by hand: change the family descriptors, \
         then run `RLVR_BLESS=1 cargo test -p rlvr-verifiers --test logic_docs`. -->\n\n",
    );
    out.push_str(&format!(
        "{} families, in the registry's order; the group says under which decisions table \
         below the family's checks are described.\n\n",
        fams.len()
    ));
    out.push_str("| family | group | what it asks |\n|---|---|---|\n");
    for f in fams {
        let g = f.group;
        out.push_str(&format!(
            "| `{}` | [{}](#{}) | {} |\n",
            f.name,
            g.title(),
            anchor(&decisions_heading(g)),
            f.summary.replace('|', "\\|")
        ));
    }
    out
}

/// The doc split around the generated part: (before and BEGIN line, generated, END and after).
fn split(doc: &str) -> (&str, &str, &str) {
    let b = doc
        .find(BEGIN)
        .unwrap_or_else(|| panic!("docs/logic.md has no `{BEGIN}` marker"));
    let body = b + BEGIN.len() + 1;
    let e = doc[body..]
        .find(END)
        .map(|i| body + i)
        .unwrap_or_else(|| panic!("docs/logic.md has no `{END}` marker after `{BEGIN}`"));
    (&doc[..body], &doc[body..e], &doc[e..])
}

#[test]
fn family_table_matches_the_registry() {
    let path = doc_path();
    let doc = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let (head, table, tail) = split(&doc);
    let want = render();
    if std::env::var_os("RLVR_BLESS").is_some() {
        std::fs::write(&path, format!("{head}{want}{tail}")).expect("write docs/logic.md");
        return;
    }
    if table != want {
        let first = table
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| table.lines().count().min(want.lines().count()));
        panic!(
            "docs/logic.md's family table is stale: it differs from the registry from line {} \
             of the generated part on\n  doc:      {:?}\n  registry: {:?}\nRun \
             `RLVR_BLESS=1 cargo test -p rlvr-verifiers --test logic_docs` to rewrite it.",
            first + 1,
            table.lines().nth(first).unwrap_or("<end>"),
            want.lines().nth(first).unwrap_or("<end>"),
        );
    }
    let count = format!("{} Reasoning Gym puzzle families", logic::families().len());
    assert!(
        doc.contains(&count),
        "docs/logic.md's introduction does not say `{count}`"
    );
}

/// The family names in the first column of the table under `heading`.
fn decision_rows(doc: &str, heading: &str) -> BTreeSet<String> {
    let start = doc
        .lines()
        .position(|l| l.trim() == heading)
        .unwrap_or_else(|| panic!("docs/logic.md has no heading `{heading}`"));
    doc.lines()
        .skip(start + 1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and separator
        .filter_map(|l| l.split('|').nth(1))
        .flat_map(|cell| cell.split(','))
        .map(|name| name.trim().trim_matches('`').to_string())
        .collect()
}

#[test]
fn every_family_has_a_decisions_row_in_its_group() {
    let doc = std::fs::read_to_string(doc_path()).expect("docs/logic.md is readable");
    let mut failures = Vec::new();
    for g in Group::ALL {
        let heading = decisions_heading(g);
        let rows = decision_rows(&doc, &heading);
        let want: BTreeSet<String> = logic::families()
            .iter()
            .filter(|f| f.group == g)
            .map(|f| f.name.to_string())
            .collect();
        for missing in want.difference(&rows) {
            failures.push(format!("`{heading}` has no row for {missing}"));
        }
        for extra in rows.difference(&want) {
            failures.push(format!(
                "`{heading}` has a row for {extra}, which is not a registered family of that group"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "docs/logic.md is stale:\n{}",
        failures.join("\n")
    );
}
