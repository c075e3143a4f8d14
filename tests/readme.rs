//! The README's key table is the command registry's: every row of `tui::key_table()` appears
//! in README.md between the `keys:start`/`keys:end` markers, and nothing else does.

fn expected_rows() -> Vec<String> {
    chartdesk::tui::key_table()
        .into_iter()
        .map(|(screen, keys, doc)| format!("| {screen} | {} | {doc} |", keys.replace('|', "\\|")))
        .collect()
}

#[test]
fn readme_key_table_matches_the_command_registry() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("<!-- keys:start -->")
        .expect("keys:start marker");
    let end = readme.find("<!-- keys:end -->").expect("keys:end marker");
    let rows: Vec<String> = readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| screen ") && !l.starts_with("|---"))
        .map(str::to_string)
        .collect();
    let expected = expected_rows();
    assert!(!expected.is_empty(), "the registry has commands");
    assert_eq!(
        rows,
        expected,
        "README key table differs from the command registry; replace it with:\n| screen | keys | what it does |\n|---|---|---|\n{}",
        expected.join("\n")
    );
}

#[test]
fn readme_carries_the_auth_check_json_schema() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let doc = chartdesk::roi::AUTH_JSON_DOC;
    let body = doc.split_once('\n').map(|(_, rest)| rest).unwrap_or(doc);
    assert!(
        readme.contains(body.trim()),
        "README's `auth check` schema differs from src/roi/auth_json.md"
    );
}
