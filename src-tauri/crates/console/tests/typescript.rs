//! `ui/src/types.ts` is generated from the Rust types; this fails when the committed file
//! differs from what the types generate now (and rewrites it with `UPDATE_TYPES=1`).

use std::path::PathBuf;

#[test]
fn ui_types_match_the_rust_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../ui/src/types.ts");
    let generated = scim_console_core::typescript::declarations();
    if std::env::var_os("UPDATE_TYPES").is_some() {
        std::fs::write(&path, &generated).expect("write ui/src/types.ts");
        return;
    }
    let committed = std::fs::read_to_string(&path).expect("read ui/src/types.ts");
    if committed != generated {
        let first = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "ui/src/types.ts differs from the Rust types from line {}:\n  committed: {:?}\n  generated: {:?}\n\
             Regenerate it with `UPDATE_TYPES=1 cargo test -p scim-console-core --test typescript`.",
            first + 1,
            committed.lines().nth(first).unwrap_or("<end of file>"),
            generated.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
}
